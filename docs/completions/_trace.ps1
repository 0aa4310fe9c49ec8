
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'trace' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'trace'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'trace' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Run one read-only SQL query over the store')
            [CompletionResult]::new('story', 'story', [CompletionResultType]::ParameterValue, 'The attack story of a container (or a host process): its process tree with the lineage into the host, timeline, files, connections, pivots to the same actor on other hosts and containers, and known gaps')
            [CompletionResult]::new('containers', 'containers', [CompletionResultType]::ParameterValue, 'List the containers the store knows, gone or running')
            [CompletionResult]::new('hosts', 'hosts', [CompletionResultType]::ParameterValue, 'List the hosts the store knows')
            [CompletionResult]::new('timeline', 'timeline', [CompletionResultType]::ParameterValue, 'Every event of one container or one host, in time order')
            [CompletionResult]::new('compact', 'compact', [CompletionResultType]::ParameterValue, 'Merge a store''s small files into sorted files and write the index stories read')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Retention: remove whole days of events, oldest first, by age or until the store fits a size')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import what other tools recorded (Tetragon, …) into the store, in the same schema, so that stories, queries and exports see it beside the collector''s events')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export the store''s events for a data lake or SIEM: what is new since the last run, from cron')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Generate a realistic demo store with one documented intrusion (docs/demo.md)')
            [CompletionResult]::new('case', 'case', [CompletionResultType]::ParameterValue, 'Bundle a container''s story as evidence: the story in every format, the events it rests on (Parquet and one DuckDB database, each row naming its store file and row), the store''s seal journal, a description and a SHA-256 list')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the store''s integrity: every data and index file and the manifest against the seal journal, a SHA-256 hash chain every writer appends to')
            [CompletionResult]::new('seal', 'seal', [CompletionResultType]::ParameterValue, 'Seal the files no journal entry seals: a store written before trace sealed files, or a file whose writer died between writing and sealing it. Never re-seals an altered file')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for bash, zsh, fish, elvish or powershell')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page trace(1), or write every page (one per command) into DIR')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'trace;query' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read the SQL from this file')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read the SQL from this file')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'A value for the next `?` (or `$1`, `$2`, …) in the SQL, bound as a parameter, never pasted into the text. Repeat for several; DuckDB casts it to the type the SQL needs')
            [CompletionResult]::new('--param', '--param', [CompletionResultType]::ParameterName, 'A value for the next `?` (or `$1`, `$2`, …) in the SQL, bound as a parameter, never pasted into the text. Repeat for several; DuckDB casts it to the type the SQL needs')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to this file instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to this file instead of standard output')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;story' {
            [CompletionResult]::new('--pid', '--pid', [CompletionResultType]::ParameterName, 'Start from a host process by pid instead (needs --host; the latest process with that pid in the window when pids were reused)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host of --pid: host id or hostname')
            [CompletionResult]::new('--process', '--process', [CompletionResultType]::ParameterName, 'Start from a host process by its process_key')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'Pivot hops to follow (0: none)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only from this time: 2026-10-01, ''2026-10-01 14:00'', RFC 3339, or a duration ago (30m, 12h, 7d)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only before this time (same forms as --since)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to this file instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to this file instead of standard output')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;containers' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Only containers on this host (host id or hostname)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Only containers whose image contains this text')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only from this time: 2026-10-01, ''2026-10-01 14:00'', RFC 3339, or a duration ago (30m, 12h, 7d)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only before this time (same forms as --since)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to this file instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to this file instead of standard output')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;hosts' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to this file instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to this file instead of standard output')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;timeline' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Container: full id, unique id prefix, or name (docker://… and cgroup forms accepted)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Container: full id, unique id prefix, or name (docker://… and cgroup forms accepted)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host: host id or hostname (every event on it, containers included)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only these kinds (repeatable): process_exec, file_create, net_connect, …')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many events')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only from this time: 2026-10-01, ''2026-10-01 14:00'', RFC 3339, or a duration ago (30m, 12h, 7d)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only before this time (same forms as --since)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to this file instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to this file instead of standard output')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;compact' {
            [CompletionResult]::new('--max-rows-per-file', '--max-rows-per-file', [CompletionResultType]::ParameterName, 'Largest compacted file, in rows; a bigger partition is split into several sorted files')
            [CompletionResult]::new('--row-group-rows', '--row-group-rows', [CompletionResultType]::ParameterName, 'Rows per Parquet row group of compacted files')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Rewrite every partition, not only those with new files (after changing the sizes)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on success')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on success')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;prune' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Remove the days of events older than this: 90d, 12w, 36h [config: prune.older_than]. A day goes when its date is before today (UTC) minus this')
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'Remove the oldest days while the store is larger than this: 50G, 512M, 1T (powers of 1024) [config: prune.max_size]. The newest day is never removed this way')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'List what would go and remove nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;import' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The format of every input, instead of detecting it from the content')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The host for records that do not name theirs (auditd logs, single-host exports)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Stop at the first malformed record (default: report it, count it, go on)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems (the per-input summary goes away)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems (the per-input summary goes away)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to write [config: export.format; default: ocsf-jsonl]: OCSF 1.8.0 as JSON lines, OCSF as Parquet in the Amazon Security Lake layout, Elastic Common Schema 9.4 as JSON lines, or the store''s columns as CSV')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Directory the files go to [config: export.destination]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State file: what was exported already [config: export.state; default: DIR/.trace-export-state.json]')
            [CompletionResult]::new('--settle', '--settle', [CompletionResultType]::ParameterName, 'Export rows once their ingest stamp is this old, e.g. 5m [config: export.settle; default: 0, at once]. For stores that files from other machines are copied into late')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'An ad-hoc window instead of what is new: events from this time (2026-10-01, ''2026-10-01 14:00'', RFC 3339, or a duration ago: 30m, 12h, 7d). Leaves the state alone')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'An ad-hoc window: events before this time (same forms as --since). Leaves the state alone')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Only this unit (repeatable): an OCSF class (process_activity, file_activity, network_activity, detection_finding, api_activity, authentication) or, for ECS and CSV, a family (process, file, network, finding, api)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'ocsf-parquet: the Security Lake `region=` partition [config: export.region]')
            [CompletionResult]::new('--account-id', '--account-id', [CompletionResultType]::ParameterName, 'ocsf-parquet: the Security Lake `accountId=` partition [config: export.account_id]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;demo' {
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'About how many events to generate in total (the fixed schedule of cron, pods and the intrusion comes first, so very small numbers give a little more)')
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'Number of days to simulate (the intrusion is on the second-to-last day)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed: the same seed and options give the same events')
            [CompletionResult]::new('--start', '--start', [CompletionResultType]::ParameterName, 'First day (UTC), e.g. 2026-10-01')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace the event data of an existing store (only a directory that is a trace store)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;case' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Directory to create for the bundle (it must not exist, or be empty)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Directory to create for the bundle (it must not exist, or be empty)')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'Pivot hops the story follows (0: none)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only from this time: 2026-10-01, ''2026-10-01 14:00'', RFC 3339, or a duration ago (30m, 12h, 7d)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only before this time (same forms as --since)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the digest')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the digest')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;verify' {
            [CompletionResult]::new('--expect-digest', '--expect-digest', [CompletionResultType]::ParameterName, 'The digest of a case bundle recorded earlier (printed by `trace case`): it must be the bundle''s, which catches a bundle rewritten as a whole')
            [CompletionResult]::new('--expect-head', '--expect-head', [CompletionResultType]::ParameterName, 'A head hash recorded earlier (printed by a previous `trace verify`): it must be an entry of the chain, which catches a journal and head rewritten together')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;seal' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;completions' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;man' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root; default: ~/.local/share/trace/store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'trace;help' {
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Run one read-only SQL query over the store')
            [CompletionResult]::new('story', 'story', [CompletionResultType]::ParameterValue, 'The attack story of a container (or a host process): its process tree with the lineage into the host, timeline, files, connections, pivots to the same actor on other hosts and containers, and known gaps')
            [CompletionResult]::new('containers', 'containers', [CompletionResultType]::ParameterValue, 'List the containers the store knows, gone or running')
            [CompletionResult]::new('hosts', 'hosts', [CompletionResultType]::ParameterValue, 'List the hosts the store knows')
            [CompletionResult]::new('timeline', 'timeline', [CompletionResultType]::ParameterValue, 'Every event of one container or one host, in time order')
            [CompletionResult]::new('compact', 'compact', [CompletionResultType]::ParameterValue, 'Merge a store''s small files into sorted files and write the index stories read')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Retention: remove whole days of events, oldest first, by age or until the store fits a size')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import what other tools recorded (Tetragon, …) into the store, in the same schema, so that stories, queries and exports see it beside the collector''s events')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export the store''s events for a data lake or SIEM: what is new since the last run, from cron')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Generate a realistic demo store with one documented intrusion (docs/demo.md)')
            [CompletionResult]::new('case', 'case', [CompletionResultType]::ParameterValue, 'Bundle a container''s story as evidence: the story in every format, the events it rests on (Parquet and one DuckDB database, each row naming its store file and row), the store''s seal journal, a description and a SHA-256 list')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the store''s integrity: every data and index file and the manifest against the seal journal, a SHA-256 hash chain every writer appends to')
            [CompletionResult]::new('seal', 'seal', [CompletionResultType]::ParameterValue, 'Seal the files no journal entry seals: a store written before trace sealed files, or a file whose writer died between writing and sealing it. Never re-seals an altered file')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for bash, zsh, fish, elvish or powershell')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page trace(1), or write every page (one per command) into DIR')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'trace;help;query' {
            break
        }
        'trace;help;story' {
            break
        }
        'trace;help;containers' {
            break
        }
        'trace;help;hosts' {
            break
        }
        'trace;help;timeline' {
            break
        }
        'trace;help;compact' {
            break
        }
        'trace;help;prune' {
            break
        }
        'trace;help;import' {
            break
        }
        'trace;help;export' {
            break
        }
        'trace;help;demo' {
            break
        }
        'trace;help;case' {
            break
        }
        'trace;help;verify' {
            break
        }
        'trace;help;seal' {
            break
        }
        'trace;help;completions' {
            break
        }
        'trace;help;man' {
            break
        }
        'trace;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
