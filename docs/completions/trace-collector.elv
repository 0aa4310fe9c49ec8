
use builtin;
use str;

set edit:completion:arg-completer[trace-collector] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'trace-collector'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'trace-collector'= {
            cand --config 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]'
            cand --print-completions 'Print the shell completion script for SHELL and exit'
            cand --store 'Store root directory [config: store.root]'
            cand --mode 'Where events come from [env: TRACE_COLLECTOR_MODE; config: collector.mode; default auto]'
            cand --interval-ms 'Poll interval in milliseconds (procfs: processes shorter than this may be missed; eBPF: how often the ring buffer is drained) [env: TRACE_COLLECTOR_INTERVAL_MS; config: collector.interval_ms; default 100]'
            cand --flush-ms 'Write buffered events to the store at least this often, in milliseconds [env: TRACE_COLLECTOR_FLUSH_MS; config: collector.flush_ms; default 1000]'
            cand --duration 'Stop by itself after this many seconds'
            cand --print-config 'Print the example configuration file (every key explained) and exit'
            cand --print-man 'Print the man page trace-collector(1) and exit'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
