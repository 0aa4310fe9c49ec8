# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_trace_global_optspecs
    string join \n store= config= h/help V/version
end

function __fish_trace_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_trace_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_trace_using_subcommand
    set -l cmd (__fish_trace_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c trace -n "__fish_trace_needs_command" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_needs_command" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_needs_command" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_needs_command" -f -a "query" -d 'Run one read-only SQL query over the store'
complete -c trace -n "__fish_trace_needs_command" -f -a "story" -d 'The attack story of a container (or a host process): its process tree with the lineage into the host, timeline, files, connections, pivots to the same actor on other hosts and containers, and known gaps'
complete -c trace -n "__fish_trace_needs_command" -f -a "containers" -d 'List the containers the store knows, gone or running'
complete -c trace -n "__fish_trace_needs_command" -f -a "hosts" -d 'List the hosts the store knows'
complete -c trace -n "__fish_trace_needs_command" -f -a "timeline" -d 'Every event of one container or one host, in time order'
complete -c trace -n "__fish_trace_needs_command" -f -a "compact" -d 'Merge a store\'s small files into sorted files and write the index stories read'
complete -c trace -n "__fish_trace_needs_command" -f -a "prune" -d 'Retention: remove whole days of events, oldest first, by age or until the store fits a size'
complete -c trace -n "__fish_trace_needs_command" -f -a "import" -d 'Import what other tools recorded (Tetragon, …) into the store, in the same schema, so that stories, queries and exports see it beside the collector\'s events'
complete -c trace -n "__fish_trace_needs_command" -f -a "export" -d 'Export the store\'s events for a data lake or SIEM: what is new since the last run, from cron'
complete -c trace -n "__fish_trace_needs_command" -f -a "demo" -d 'Generate a realistic demo store with one documented intrusion (docs/demo.md)'
complete -c trace -n "__fish_trace_needs_command" -f -a "case" -d 'Bundle a container\'s story as evidence: the story in every format, the events it rests on (Parquet and one DuckDB database, each row naming its store file and row), the store\'s seal journal, a description and a SHA-256 list'
complete -c trace -n "__fish_trace_needs_command" -f -a "verify" -d 'Check the store\'s integrity: every data and index file and the manifest against the seal journal, a SHA-256 hash chain every writer appends to'
complete -c trace -n "__fish_trace_needs_command" -f -a "seal" -d 'Seal the files no journal entry seals: a store written before trace sealed files, or a file whose writer died between writing and sealing it. Never re-seals an altered file'
complete -c trace -n "__fish_trace_needs_command" -f -a "completions" -d 'Print the shell completion script for bash, zsh, fish, elvish or powershell'
complete -c trace -n "__fish_trace_needs_command" -f -a "man" -d 'Print the man page trace(1), or write every page (one per command) into DIR'
complete -c trace -n "__fish_trace_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c trace -n "__fish_trace_using_subcommand query" -s f -l file -d 'Read the SQL from this file' -r -F
complete -c trace -n "__fish_trace_using_subcommand query" -s p -l param -d 'A value for the next `?` (or `$1`, `$2`, …) in the SQL, bound as a parameter, never pasted into the text. Repeat for several; DuckDB casts it to the type the SQL needs' -r
complete -c trace -n "__fish_trace_using_subcommand query" -l format -d 'Output format' -r -f -a "table\t'Aligned table for people (the default on a terminal)'
csv\t'CSV with a header row'
json\t'One JSON array of objects'
jsonl\t'One JSON object per line'
parquet\t'Apache Parquet (zstd); needs -o FILE or a pipe'"
complete -c trace -n "__fish_trace_using_subcommand query" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c trace -n "__fish_trace_using_subcommand query" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand query" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand query" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand query" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand story" -l pid -d 'Start from a host process by pid instead (needs --host; the latest process with that pid in the window when pids were reused)' -r
complete -c trace -n "__fish_trace_using_subcommand story" -l host -d 'Host of --pid: host id or hostname' -r
complete -c trace -n "__fish_trace_using_subcommand story" -l process -d 'Start from a host process by its process_key' -r
complete -c trace -n "__fish_trace_using_subcommand story" -l depth -d 'Pivot hops to follow (0: none)' -r
complete -c trace -n "__fish_trace_using_subcommand story" -l since -d 'Only from this time: 2026-10-01, \'2026-10-01 14:00\', RFC 3339, or a duration ago (30m, 12h, 7d)' -r
complete -c trace -n "__fish_trace_using_subcommand story" -l until -d 'Only before this time (same forms as --since)' -r
complete -c trace -n "__fish_trace_using_subcommand story" -l format -d 'Output format' -r -f -a "tree\t'Process tree and sections for a terminal'
table\t'Every section as a table (processes flat, with parent pids)'
json\t'The story as JSON (stable, documented in docs/story.md)'
md\t'Markdown for a ticket'
dot\t'Graphviz DOT (`dot -Tsvg`)'
html\t'A self-contained interactive HTML page (graph and timeline), readable offline'"
complete -c trace -n "__fish_trace_using_subcommand story" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c trace -n "__fish_trace_using_subcommand story" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand story" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand story" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand story" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand containers" -l host -d 'Only containers on this host (host id or hostname)' -r
complete -c trace -n "__fish_trace_using_subcommand containers" -l image -d 'Only containers whose image contains this text' -r
complete -c trace -n "__fish_trace_using_subcommand containers" -l since -d 'Only from this time: 2026-10-01, \'2026-10-01 14:00\', RFC 3339, or a duration ago (30m, 12h, 7d)' -r
complete -c trace -n "__fish_trace_using_subcommand containers" -l until -d 'Only before this time (same forms as --since)' -r
complete -c trace -n "__fish_trace_using_subcommand containers" -l format -d 'Output format' -r -f -a "table\t'Aligned table for people (the default on a terminal)'
csv\t'CSV with a header row'
json\t'One JSON array of objects'
jsonl\t'One JSON object per line'
parquet\t'Apache Parquet (zstd); needs -o FILE or a pipe'"
complete -c trace -n "__fish_trace_using_subcommand containers" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c trace -n "__fish_trace_using_subcommand containers" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand containers" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand containers" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand containers" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand hosts" -l format -d 'Output format' -r -f -a "table\t'Aligned table for people (the default on a terminal)'
csv\t'CSV with a header row'
json\t'One JSON array of objects'
jsonl\t'One JSON object per line'
parquet\t'Apache Parquet (zstd); needs -o FILE or a pipe'"
complete -c trace -n "__fish_trace_using_subcommand hosts" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c trace -n "__fish_trace_using_subcommand hosts" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand hosts" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand hosts" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand hosts" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand timeline" -s c -l container -d 'Container: full id, unique id prefix, or name (docker://… and cgroup forms accepted)' -r
complete -c trace -n "__fish_trace_using_subcommand timeline" -l host -d 'Host: host id or hostname (every event on it, containers included)' -r
complete -c trace -n "__fish_trace_using_subcommand timeline" -l kind -d 'Only these kinds (repeatable): process_exec, file_create, net_connect, …' -r
complete -c trace -n "__fish_trace_using_subcommand timeline" -l limit -d 'At most this many events' -r
complete -c trace -n "__fish_trace_using_subcommand timeline" -l since -d 'Only from this time: 2026-10-01, \'2026-10-01 14:00\', RFC 3339, or a duration ago (30m, 12h, 7d)' -r
complete -c trace -n "__fish_trace_using_subcommand timeline" -l until -d 'Only before this time (same forms as --since)' -r
complete -c trace -n "__fish_trace_using_subcommand timeline" -l format -d 'Output format' -r -f -a "table\t'Aligned table for people (the default on a terminal)'
csv\t'CSV with a header row'
json\t'One JSON array of objects'
jsonl\t'One JSON object per line'
parquet\t'Apache Parquet (zstd); needs -o FILE or a pipe'"
complete -c trace -n "__fish_trace_using_subcommand timeline" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c trace -n "__fish_trace_using_subcommand timeline" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand timeline" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand timeline" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand timeline" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand compact" -l max-rows-per-file -d 'Largest compacted file, in rows; a bigger partition is split into several sorted files' -r
complete -c trace -n "__fish_trace_using_subcommand compact" -l row-group-rows -d 'Rows per Parquet row group of compacted files' -r
complete -c trace -n "__fish_trace_using_subcommand compact" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand compact" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand compact" -l all -d 'Rewrite every partition, not only those with new files (after changing the sizes)'
complete -c trace -n "__fish_trace_using_subcommand compact" -s q -l quiet -d 'Print nothing on success'
complete -c trace -n "__fish_trace_using_subcommand compact" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand compact" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand prune" -l older-than -d 'Remove the days of events older than this: 90d, 12w, 36h [config: prune.older_than]. A day goes when its date is before today (UTC) minus this' -r
complete -c trace -n "__fish_trace_using_subcommand prune" -l max-size -d 'Remove the oldest days while the store is larger than this: 50G, 512M, 1T (powers of 1024) [config: prune.max_size]. The newest day is never removed this way' -r
complete -c trace -n "__fish_trace_using_subcommand prune" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand prune" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand prune" -l dry-run -d 'List what would go and remove nothing'
complete -c trace -n "__fish_trace_using_subcommand prune" -s q -l quiet -d 'Print nothing but errors'
complete -c trace -n "__fish_trace_using_subcommand prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand prune" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand import" -l format -d 'The format of every input, instead of detecting it from the content' -r -f -a "tetragon\t''
auditd\t''
laurel\t''
sysmon\t''
sysmon-windows\t''
osquery\t''
falco\t''
kunai\t''
tracee\t''
k8s-audit\t''
cloudtrail\t''
eslogger\t''"
complete -c trace -n "__fish_trace_using_subcommand import" -l host -d 'The host for records that do not name theirs (auditd logs, single-host exports)' -r
complete -c trace -n "__fish_trace_using_subcommand import" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand import" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand import" -l strict -d 'Stop at the first malformed record (default: report it, count it, go on)'
complete -c trace -n "__fish_trace_using_subcommand import" -s q -l quiet -d 'Print only problems (the per-input summary goes away)'
complete -c trace -n "__fish_trace_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand import" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand export" -l format -d 'What to write [config: export.format; default: ocsf-jsonl]: OCSF 1.8.0 as JSON lines, OCSF as Parquet in the Amazon Security Lake layout, Elastic Common Schema 9.4 as JSON lines, or the store\'s columns as CSV' -r -f -a "ocsf-jsonl\t''
ocsf-parquet\t''
ecs-jsonl\t''
csv\t''"
complete -c trace -n "__fish_trace_using_subcommand export" -l to -d 'Directory the files go to [config: export.destination]' -r -F
complete -c trace -n "__fish_trace_using_subcommand export" -l state -d 'State file: what was exported already [config: export.state; default: DIR/.trace-export-state.json]' -r -F
complete -c trace -n "__fish_trace_using_subcommand export" -l settle -d 'Export rows once their ingest stamp is this old, e.g. 5m [config: export.settle; default: 0, at once]. For stores that files from other machines are copied into late' -r
complete -c trace -n "__fish_trace_using_subcommand export" -l since -d 'An ad-hoc window instead of what is new: events from this time (2026-10-01, \'2026-10-01 14:00\', RFC 3339, or a duration ago: 30m, 12h, 7d). Leaves the state alone' -r
complete -c trace -n "__fish_trace_using_subcommand export" -l until -d 'An ad-hoc window: events before this time (same forms as --since). Leaves the state alone' -r
complete -c trace -n "__fish_trace_using_subcommand export" -l only -d 'Only this unit (repeatable): an OCSF class (process_activity, file_activity, network_activity, detection_finding, api_activity, authentication) or, for ECS and CSV, a family (process, file, network, finding, api)' -r
complete -c trace -n "__fish_trace_using_subcommand export" -l region -d 'ocsf-parquet: the Security Lake `region=` partition [config: export.region]' -r
complete -c trace -n "__fish_trace_using_subcommand export" -l account-id -d 'ocsf-parquet: the Security Lake `accountId=` partition [config: export.account_id]' -r
complete -c trace -n "__fish_trace_using_subcommand export" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand export" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand export" -s q -l quiet -d 'Print nothing but errors'
complete -c trace -n "__fish_trace_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand export" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand demo" -l events -d 'About how many events to generate in total (the fixed schedule of cron, pods and the intrusion comes first, so very small numbers give a little more)' -r
complete -c trace -n "__fish_trace_using_subcommand demo" -l days -d 'Number of days to simulate (the intrusion is on the second-to-last day)' -r
complete -c trace -n "__fish_trace_using_subcommand demo" -l seed -d 'Seed: the same seed and options give the same events' -r
complete -c trace -n "__fish_trace_using_subcommand demo" -l start -d 'First day (UTC), e.g. 2026-10-01' -r
complete -c trace -n "__fish_trace_using_subcommand demo" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand demo" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand demo" -l force -d 'Replace the event data of an existing store (only a directory that is a trace store)'
complete -c trace -n "__fish_trace_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand demo" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand case" -s o -l output -d 'Directory to create for the bundle (it must not exist, or be empty)' -r -F
complete -c trace -n "__fish_trace_using_subcommand case" -l depth -d 'Pivot hops the story follows (0: none)' -r
complete -c trace -n "__fish_trace_using_subcommand case" -l since -d 'Only from this time: 2026-10-01, \'2026-10-01 14:00\', RFC 3339, or a duration ago (30m, 12h, 7d)' -r
complete -c trace -n "__fish_trace_using_subcommand case" -l until -d 'Only before this time (same forms as --since)' -r
complete -c trace -n "__fish_trace_using_subcommand case" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand case" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand case" -s q -l quiet -d 'Print nothing but errors and the digest'
complete -c trace -n "__fish_trace_using_subcommand case" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand case" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand verify" -l expect-digest -d 'The digest of a case bundle recorded earlier (printed by `trace case`): it must be the bundle\'s, which catches a bundle rewritten as a whole' -r
complete -c trace -n "__fish_trace_using_subcommand verify" -l expect-head -d 'A head hash recorded earlier (printed by a previous `trace verify`): it must be an entry of the chain, which catches a journal and head rewritten together' -r
complete -c trace -n "__fish_trace_using_subcommand verify" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand verify" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand verify" -s q -l quiet -d 'Print only problems'
complete -c trace -n "__fish_trace_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand verify" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand seal" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand seal" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand seal" -s q -l quiet -d 'Print nothing but errors'
complete -c trace -n "__fish_trace_using_subcommand seal" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand seal" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand completions" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand completions" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand completions" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand man" -l store -d 'Store root directory [config: store.root; default: ~/.local/share/trace/store]' -r -F
complete -c trace -n "__fish_trace_using_subcommand man" -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]. See docs/config.md' -r -F
complete -c trace -n "__fish_trace_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace -n "__fish_trace_using_subcommand man" -s V -l version -d 'Print version'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "query" -d 'Run one read-only SQL query over the store'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "story" -d 'The attack story of a container (or a host process): its process tree with the lineage into the host, timeline, files, connections, pivots to the same actor on other hosts and containers, and known gaps'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "containers" -d 'List the containers the store knows, gone or running'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "hosts" -d 'List the hosts the store knows'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "timeline" -d 'Every event of one container or one host, in time order'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "compact" -d 'Merge a store\'s small files into sorted files and write the index stories read'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "prune" -d 'Retention: remove whole days of events, oldest first, by age or until the store fits a size'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "import" -d 'Import what other tools recorded (Tetragon, …) into the store, in the same schema, so that stories, queries and exports see it beside the collector\'s events'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "export" -d 'Export the store\'s events for a data lake or SIEM: what is new since the last run, from cron'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "demo" -d 'Generate a realistic demo store with one documented intrusion (docs/demo.md)'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "case" -d 'Bundle a container\'s story as evidence: the story in every format, the events it rests on (Parquet and one DuckDB database, each row naming its store file and row), the store\'s seal journal, a description and a SHA-256 list'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "verify" -d 'Check the store\'s integrity: every data and index file and the manifest against the seal journal, a SHA-256 hash chain every writer appends to'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "seal" -d 'Seal the files no journal entry seals: a store written before trace sealed files, or a file whose writer died between writing and sealing it. Never re-seals an altered file'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "completions" -d 'Print the shell completion script for bash, zsh, fish, elvish or powershell'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "man" -d 'Print the man page trace(1), or write every page (one per command) into DIR'
complete -c trace -n "__fish_trace_using_subcommand help; and not __fish_seen_subcommand_from query story containers hosts timeline compact prune import export demo case verify seal completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
