
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'trace-collector' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'trace-collector'
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
        'trace-collector' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else /etc/trace/config.toml, if present]')
            [CompletionResult]::new('--print-completions', '--print-completions', [CompletionResultType]::ParameterName, 'Print the shell completion script for SHELL and exit')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store root directory [config: store.root]')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Where events come from [env: TRACE_COLLECTOR_MODE; config: collector.mode; default auto]')
            [CompletionResult]::new('--interval-ms', '--interval-ms', [CompletionResultType]::ParameterName, 'Poll interval in milliseconds (procfs: processes shorter than this may be missed; eBPF: how often the ring buffer is drained) [env: TRACE_COLLECTOR_INTERVAL_MS; config: collector.interval_ms; default 100]')
            [CompletionResult]::new('--flush-ms', '--flush-ms', [CompletionResultType]::ParameterName, 'Write buffered events to the store at least this often, in milliseconds [env: TRACE_COLLECTOR_FLUSH_MS; config: collector.flush_ms; default 1000]')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop by itself after this many seconds')
            [CompletionResult]::new('--print-config', '--print-config', [CompletionResultType]::ParameterName, 'Print the example configuration file (every key explained) and exit')
            [CompletionResult]::new('--print-man', '--print-man', [CompletionResultType]::ParameterName, 'Print the man page trace-collector(1) and exit')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
