namespace IntelMQ.Contract;

/// <summary>A configuration or usage the program refuses: nothing is processed, and the message says how to fix it.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
