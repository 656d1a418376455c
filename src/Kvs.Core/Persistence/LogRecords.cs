namespace Kvs.Core.Persistence;

/// <summary>
/// The records of an AOF increment file (record bodies; framing in <see cref="Frames"/>).
/// The log holds commands, not states, so that an in-place change of a huge collection costs
/// O(size of the command) to log (docs/adr/0004-durability.md):
/// <code>
/// Command: 1, varint db, i64 clock (unix ms), varint revision-before, nbytes modified_by, nbytes comment,
///          nbytes op (null: the command's name), varint argc, argc × bytes
///                                            — replayed as that command with the clock and revision restored
/// Delete:  2, varint db, i64 clock, varint revision-before, byte reason (0 expired, 1 evicted), bytes key
///                                            — removals no command did (active/lazy expiry, eviction)
/// Config:  3, bytes option, bytes value      — CONFIG SET of an option that shapes stored data (history depth)
/// Skip:    4, ...                            — a command record voided in memory before it was written
/// </code>
/// (bytes = varint length + bytes; nbytes = varint length+1, 0 meaning null.)
/// </summary>
public static class LogRecords
{
    public const byte Command = 1;
    public const byte Delete = 2;
    public const byte Config = 3;
    public const byte Skip = 4;

    public const byte ReasonExpired = 0;
    public const byte ReasonEvicted = 1;
}

/// <summary>A command record as the loader hands it to the replayer.</summary>
public readonly ref struct LoggedCommand
{
    public int Db { get; init; }
    public long Clock { get; init; }
    public long RevisionBefore { get; init; }
    public string? ModifiedBy { get; init; }
    public string? Comment { get; init; }
    /// <summary>The op to record in metadata when it differs from the command's name (a rewritten command), else null.</summary>
    public string? Op { get; init; }
    /// <summary>The record body the arguments point into.</summary>
    public ReadOnlySpan<byte> Source { get; init; }
    /// <summary>Offset and length of each argument in <see cref="Source"/>, interleaved (argc × 2 ints).</summary>
    public ReadOnlySpan<int> Args { get; init; }
    public int ArgCount => Args.Length / 2;

    public ReadOnlySpan<byte> Arg(int i) => Source.Slice(Args[2 * i], Args[2 * i + 1]);
}

/// <summary>
/// Runs logged commands during loading (implemented by the RESP layer, which owns the command
/// handlers). The loader has already set the store clock to <see cref="LoggedCommand.Clock"/> and
/// the revision counter to <see cref="LoggedCommand.RevisionBefore"/>, so that versions,
/// revisions, timestamps, TTLs and history come out as they were. Throws
/// <see cref="PersistenceException"/> for a command it cannot run (unknown name).
/// </summary>
public interface ICommandReplayer
{
    void Replay(in LoggedCommand command);
}
