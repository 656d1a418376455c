namespace Kvs.Core.Storage;

/// <summary>
/// Who is writing and with which command: one per session, refilled before each command, so that
/// the metadata (op, modified_by) of every change is set in one place without allocating.
/// </summary>
public sealed class WriteContext
{
    /// <summary>The command name recorded as the change's <c>op</c> (lower case, e.g. "set").</summary>
    public string Op = "";
    /// <summary>The BY option of KVS.* commands, else the client name, else the ACL user.</summary>
    public string? ModifiedBy;
    public long ClientId;
    public string? Comment;

    public static readonly WriteContext Internal = new() { Op = "internal", ModifiedBy = null };
}
