namespace IntelMQ.Outputs;

/// <summary>The database systems IntelMQ's sql output writes to.</summary>
public enum SqlEngine { Postgresql, Sqlite, Mssql }
