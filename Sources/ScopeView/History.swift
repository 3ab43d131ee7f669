/// A bounded ring: the newest `capacity` elements, oldest first.
public struct Ring<Element: Sendable>: Sendable {
    public let capacity: Int
    private var storage: [Element] = []
    private var start = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(self.capacity)
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public mutating func append(_ e: Element) {
        if storage.count < capacity {
            storage.append(e)
        } else {
            storage[start] = e
            start = (start + 1) % capacity
        }
    }

    /// Element i, 0 = oldest kept.
    public subscript(i: Int) -> Element { storage[(start + i) % storage.count] }

    public var last: Element? { storage.isEmpty ? nil : self[count - 1] }

    /// The newest `n` elements, oldest first.
    public func suffix(_ n: Int) -> [Element] {
        let n = min(n, count)
        return (count - n..<count).map { self[$0] }
    }

    public mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        start = 0
    }
}

/// The loss of the whole run in bounded memory: when full, neighbouring values are
/// averaged in pairs and each kept value stands for twice as many iterations.
public struct LossHistory: Sendable, Equatable {
    public let capacity: Int
    public private(set) var values: [Double] = []
    /// Iterations each kept value averages.
    public private(set) var stride = 1
    private var pending = 0.0
    private var pendingCount = 0

    public init(capacity: Int = 2048) { self.capacity = max(2, capacity & ~1) }

    public mutating func append(_ loss: Double) {
        // A non-finite loss would poison every average it joins: it is not plotted.
        guard loss.isFinite else { return }
        pending += loss
        pendingCount += 1
        guard pendingCount == stride else { return }
        values.append(pending / Double(stride))
        pending = 0
        pendingCount = 0
        if values.count == capacity {
            var halved: [Double] = []
            halved.reserveCapacity(capacity)
            for i in Swift.stride(from: 0, to: values.count - 1, by: 2) { halved.append((values[i] + values[i + 1]) / 2) }
            values = halved
            stride *= 2
        }
    }

    public var latest: Double? { values.last }
}
