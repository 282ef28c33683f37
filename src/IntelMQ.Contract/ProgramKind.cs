namespace IntelMQ.Contract;

public enum ProgramKind { Collector, Parser, Expert, Output }
