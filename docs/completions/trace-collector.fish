complete -c trace-collector -l config -d 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]' -r -F
complete -c trace-collector -l print-completions -d 'Print the shell completion script for SHELL and exit' -r -f -a "bash\t''
elvish\t''
fish\t''
powershell\t''
zsh\t''"
complete -c trace-collector -l store -d 'Store root directory [config: store.root]' -r -F
complete -c trace-collector -l mode -d 'Where events come from [env: TRACE_COLLECTOR_MODE; config: collector.mode; default auto]' -r -f -a "auto\t'eBPF when it loads, else procfs (says which and why)'
ebpf\t'eBPF only: fail if the programs cannot load'
procfs\t'Poll /proc (no privileges or BTF needed; misses processes shorter than the interval)'"
complete -c trace-collector -l interval-ms -d 'Poll interval in milliseconds (procfs: processes shorter than this may be missed; eBPF: how often the ring buffer is drained) [env: TRACE_COLLECTOR_INTERVAL_MS; config: collector.interval_ms; default 100]' -r
complete -c trace-collector -l flush-ms -d 'Write buffered events to the store at least this often, in milliseconds [env: TRACE_COLLECTOR_FLUSH_MS; config: collector.flush_ms; default 1000]' -r
complete -c trace-collector -l duration -d 'Stop by itself after this many seconds' -r
complete -c trace-collector -l print-config -d 'Print the example configuration file (every key explained) and exit'
complete -c trace-collector -l print-man -d 'Print the man page trace-collector(1) and exit'
complete -c trace-collector -s h -l help -d 'Print help (see more with \'--help\')'
complete -c trace-collector -s V -l version -d 'Print version'
