using IntelMQ.Runtime;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Cli;

/// <summary>Log lines on standard error, each with the time, level and the program instance's id.</summary>
public static class ConsoleLog
{
    public static ILogger Create(string id, LogLevelName level, LogFormat format) => new Logger(id, (LogLevel)((int)level + 1));

    sealed class Logger(string id, LogLevel min) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= min;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) Console.Error.WriteLine($"{id}: {formatter(state, exception)}");
        }
    }
}
