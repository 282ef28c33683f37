namespace IntelMQ.Runtime;

public enum ProgramKind { Collector, Parser, Expert, Output }
