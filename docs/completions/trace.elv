
use builtin;
use str;

set edit:completion:arg-completer[trace] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'trace'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'trace'= {
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand query 'Run one read-only SQL query over the store'
            cand story 'The attack story of a container (or a host process): its process tree with the lineage into the host, timeline, files, connections, pivots to the same actor on other hosts and containers, and known gaps'
            cand containers 'List the containers the store knows, gone or running'
            cand hosts 'List the hosts the store knows'
            cand timeline 'Every event of one container or one host, in time order'
            cand compact 'Merge a store''s small files into sorted files and write the index stories read'
            cand prune 'Retention: remove whole days of events, oldest first, by age or until the store fits a size'
            cand import 'Import what other tools recorded (Tetragon, …) into the store, in the same schema, so that stories, queries and exports see it beside the collector''s events'
            cand export 'Export the store''s events for a data lake or SIEM: what is new since the last run, from cron'
            cand demo 'Generate a realistic demo store with one documented intrusion (docs/demo.md)'
            cand case 'Bundle a container''s story as evidence: the story in every format, the events it rests on (Parquet and one DuckDB database, each row naming its store file and row), the store''s seal journal, a description and a SHA-256 list'
            cand verify 'Check the store''s integrity: every data and index file and the manifest against the seal journal, a SHA-256 hash chain every writer appends to'
            cand seal 'Seal the files no journal entry seals: a store written before trace sealed files, or a file whose writer died between writing and sealing it. Never re-seals an altered file'
            cand completions 'Print the shell completion script for bash, zsh, fish, elvish or powershell'
            cand man 'Print the man page trace(1), or write every page (one per command) into DIR'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'trace;query'= {
            cand -f 'Read the SQL from this file'
            cand --file 'Read the SQL from this file'
            cand -p 'A value for the next `?` (or `$1`, `$2`, …) in the SQL, bound as a parameter, never pasted into the text. Repeat for several; DuckDB casts it to the type the SQL needs'
            cand --param 'A value for the next `?` (or `$1`, `$2`, …) in the SQL, bound as a parameter, never pasted into the text. Repeat for several; DuckDB casts it to the type the SQL needs'
            cand --format 'Output format'
            cand -o 'Write to this file instead of standard output'
            cand --output 'Write to this file instead of standard output'
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;story'= {
            cand --pid 'Start from a host process by pid instead (needs --host; the latest process with that pid in the window when pids were reused)'
            cand --host 'Host of --pid: host id or hostname'
            cand --process 'Start from a host process by its process_key'
            cand --depth 'Pivot hops to follow (0: none)'
            cand --since 'Only from this time: 2026-10-01, ''2026-10-01 14:00'', RFC 3339, or a duration ago (30m, 12h, 7d)'
            cand --until 'Only before this time (same forms as --since)'
            cand --format 'Output format'
            cand -o 'Write to this file instead of standard output'
            cand --output 'Write to this file instead of standard output'
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;containers'= {
            cand --host 'Only containers on this host (host id or hostname)'
            cand --image 'Only containers whose image contains this text'
            cand --since 'Only from this time: 2026-10-01, ''2026-10-01 14:00'', RFC 3339, or a duration ago (30m, 12h, 7d)'
            cand --until 'Only before this time (same forms as --since)'
            cand --format 'Output format'
            cand -o 'Write to this file instead of standard output'
            cand --output 'Write to this file instead of standard output'
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;hosts'= {
            cand --format 'Output format'
            cand -o 'Write to this file instead of standard output'
            cand --output 'Write to this file instead of standard output'
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;timeline'= {
            cand -c 'Container: full id, unique id prefix, or name (docker://… and cgroup forms accepted)'
            cand --container 'Container: full id, unique id prefix, or name (docker://… and cgroup forms accepted)'
            cand --host 'Host: host id or hostname (every event on it, containers included)'
            cand --kind 'Only these kinds (repeatable): process_exec, file_create, net_connect, …'
            cand --limit 'At most this many events'
            cand --since 'Only from this time: 2026-10-01, ''2026-10-01 14:00'', RFC 3339, or a duration ago (30m, 12h, 7d)'
            cand --until 'Only before this time (same forms as --since)'
            cand --format 'Output format'
            cand -o 'Write to this file instead of standard output'
            cand --output 'Write to this file instead of standard output'
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;compact'= {
            cand --max-rows-per-file 'Largest compacted file, in rows; a bigger partition is split into several sorted files'
            cand --row-group-rows 'Rows per Parquet row group of compacted files'
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand --all 'Rewrite every partition, not only those with new files (after changing the sizes)'
            cand -q 'Print nothing on success'
            cand --quiet 'Print nothing on success'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;prune'= {
            cand --older-than 'Remove the days of events older than this: 90d, 12w, 36h [config: prune.older_than]. A day goes when its date is before today (UTC) minus this'
            cand --max-size 'Remove the oldest days while the store is larger than this: 50G, 512M, 1T (powers of 1024) [config: prune.max_size]. The newest day is never removed this way'
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand --dry-run 'List what would go and remove nothing'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;import'= {
            cand --format 'The format of every input, instead of detecting it from the content'
            cand --host 'The host for records that do not name theirs (auditd logs, single-host exports)'
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand --strict 'Stop at the first malformed record (default: report it, count it, go on)'
            cand -q 'Print only problems (the per-input summary goes away)'
            cand --quiet 'Print only problems (the per-input summary goes away)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;export'= {
            cand --format 'What to write [config: export.format; default: ocsf-jsonl]: OCSF 1.8.0 as JSON lines, OCSF as Parquet in the Amazon Security Lake layout, Elastic Common Schema 9.4 as JSON lines, or the store''s columns as CSV'
            cand --to 'Directory the files go to [config: export.destination]'
            cand --state 'State file: what was exported already [config: export.state; default: DIR/.trace-export-state.json]'
            cand --settle 'Export rows once their ingest stamp is this old, e.g. 5m [config: export.settle; default: 0, at once]. For stores that files from other machines are copied into late'
            cand --since 'An ad-hoc window instead of what is new: events from this time (2026-10-01, ''2026-10-01 14:00'', RFC 3339, or a duration ago: 30m, 12h, 7d). Leaves the state alone'
            cand --until 'An ad-hoc window: events before this time (same forms as --since). Leaves the state alone'
            cand --only 'Only this unit (repeatable): an OCSF class (process_activity, file_activity, network_activity, detection_finding, api_activity, authentication) or, for ECS and CSV, a family (process, file, network, finding, api)'
            cand --region 'ocsf-parquet: the Security Lake `region=` partition [config: export.region]'
            cand --account-id 'ocsf-parquet: the Security Lake `accountId=` partition [config: export.account_id]'
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;demo'= {
            cand --events 'About how many events to generate in total (the fixed schedule of cron, pods and the intrusion comes first, so very small numbers give a little more)'
            cand --days 'Number of days to simulate (the intrusion is on the second-to-last day)'
            cand --seed 'Seed: the same seed and options give the same events'
            cand --start 'First day (UTC), e.g. 2026-10-01'
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand --force 'Replace the event data of an existing store (only a directory that is a trace store)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;case'= {
            cand -o 'Directory to create for the bundle (it must not exist, or be empty)'
            cand --output 'Directory to create for the bundle (it must not exist, or be empty)'
            cand --depth 'Pivot hops the story follows (0: none)'
            cand --since 'Only from this time: 2026-10-01, ''2026-10-01 14:00'', RFC 3339, or a duration ago (30m, 12h, 7d)'
            cand --until 'Only before this time (same forms as --since)'
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand -q 'Print nothing but errors and the digest'
            cand --quiet 'Print nothing but errors and the digest'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;verify'= {
            cand --expect-digest 'The digest of a case bundle recorded earlier (printed by `trace case`): it must be the bundle''s, which catches a bundle rewritten as a whole'
            cand --expect-head 'A head hash recorded earlier (printed by a previous `trace verify`): it must be an entry of the chain, which catches a journal and head rewritten together'
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand -q 'Print only problems'
            cand --quiet 'Print only problems'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;seal'= {
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;completions'= {
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;man'= {
            cand --store 'Store root directory [config: store.root; default: ~/.local/share/trace/store]'
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'trace;help'= {
            cand query 'Run one read-only SQL query over the store'
            cand story 'The attack story of a container (or a host process): its process tree with the lineage into the host, timeline, files, connections, pivots to the same actor on other hosts and containers, and known gaps'
            cand containers 'List the containers the store knows, gone or running'
            cand hosts 'List the hosts the store knows'
            cand timeline 'Every event of one container or one host, in time order'
            cand compact 'Merge a store''s small files into sorted files and write the index stories read'
            cand prune 'Retention: remove whole days of events, oldest first, by age or until the store fits a size'
            cand import 'Import what other tools recorded (Tetragon, …) into the store, in the same schema, so that stories, queries and exports see it beside the collector''s events'
            cand export 'Export the store''s events for a data lake or SIEM: what is new since the last run, from cron'
            cand demo 'Generate a realistic demo store with one documented intrusion (docs/demo.md)'
            cand case 'Bundle a container''s story as evidence: the story in every format, the events it rests on (Parquet and one DuckDB database, each row naming its store file and row), the store''s seal journal, a description and a SHA-256 list'
            cand verify 'Check the store''s integrity: every data and index file and the manifest against the seal journal, a SHA-256 hash chain every writer appends to'
            cand seal 'Seal the files no journal entry seals: a store written before trace sealed files, or a file whose writer died between writing and sealing it. Never re-seals an altered file'
            cand completions 'Print the shell completion script for bash, zsh, fish, elvish or powershell'
            cand man 'Print the man page trace(1), or write every page (one per command) into DIR'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'trace;help;query'= {
        }
        &'trace;help;story'= {
        }
        &'trace;help;containers'= {
        }
        &'trace;help;hosts'= {
        }
        &'trace;help;timeline'= {
        }
        &'trace;help;compact'= {
        }
        &'trace;help;prune'= {
        }
        &'trace;help;import'= {
        }
        &'trace;help;export'= {
        }
        &'trace;help;demo'= {
        }
        &'trace;help;case'= {
        }
        &'trace;help;verify'= {
        }
        &'trace;help;seal'= {
        }
        &'trace;help;completions'= {
        }
        &'trace;help;man'= {
        }
        &'trace;help;help'= {
        }
    ]
    $completions[$command]
}
