/// A network (and data) the user brought with `--model` and `--data`, in place of
/// the settings' initialisation and task. `ModelIO`'s `UserModel` reads them from
/// files; the maths needs only what a run starts from.
public protocol SuppliedModel: AnyObject, Sendable {
    /// The network as read: its sizes, and its layout (an embedding's vocabulary).
    var shape: RNNShape { get }
    var layout: ParameterLayout { get }
    /// Whether the batches are the user's own (else the settings' task feeds the model).
    var hasData: Bool { get }
    /// The bytes the user's data holds, kept whole for the run.
    var dataBytes: Double { get }
    /// The task a run on this model trains on.
    func task(_ settings: Settings) throws -> any SequenceTask
    /// The network a run on this model starts from.
    func network(_ settings: Settings) -> RNN<Float>
    /// The loss and embedding options of a pass on this model (the rest from `base`).
    func options(_ base: BPTTOptions) -> BPTTOptions
}

/// The user's model in a run's settings, compared by identity: it is read once and never changes.
@propertyWrapper
public struct ComparedByIdentity: Equatable, Sendable {
    public var wrappedValue: (any SuppliedModel)?
    public init(wrappedValue: (any SuppliedModel)?) { self.wrappedValue = wrappedValue }
    public static func == (a: Self, b: Self) -> Bool { a.wrappedValue === b.wrappedValue }
}
