namespace IntelMQ.Contract;

/// <summary>What a program is; a verifier is an expert (the same interfaces) that checks a claim the event makes against the world.</summary>
public enum ProgramKind { Collector, Parser, Expert, Output, Verifier }
