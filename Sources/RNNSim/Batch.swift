/// One minibatch of sequences: inputs [T, B, I] and targets, time-major.
public struct Batch<T: RNNFloat>: Sendable {
    public enum Targets: Sendable {
        /// Real targets [T, B, O] for the `mse-*` losses.
        case real([T])
        /// Class indices [T, B] for the `xent-*` losses.
        case classes([Int32])
    }

    public let steps: Int
    public let size: Int
    public let inputWidth: Int
    public var inputs: [T]
    public var targets: Targets

    public init(steps: Int, size: Int, inputWidth: Int, inputs: [T], targets: Targets) {
        precondition(inputs.count == steps * size * inputWidth)
        self.steps = steps
        self.size = size
        self.inputWidth = inputWidth
        self.inputs = inputs
        self.targets = targets
    }

    public func converted<U: RNNFloat>(to: U.Type = U.self) -> Batch<U> {
        let t: Batch<U>.Targets
        switch targets {
        case .real(let v): t = .real(v.map { U($0) })
        case .classes(let c): t = .classes(c)
        }
        return Batch<U>(steps: steps, size: size, inputWidth: inputWidth, inputs: inputs.map { U($0) }, targets: t)
    }
}
