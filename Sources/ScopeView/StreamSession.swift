import Foundation
import RNNSim
import RunStream
import Scenarios

/// How far the view has read a stream, for the side panel.
public struct StreamProgress: Equatable, Sendable {
    /// Records shown so far.
    public var records = 0
    /// Lines that were not a usable record (cut short, garbage, wrong shape).
    public var skipped = 0
    /// Why the last skipped line was skipped, with its line number.
    public var lastProblem: String?
    /// All that was written has been shown (the writer may add more).
    public var caughtUp = false
    /// About how many records were written that the view has not shown yet (from the
    /// bytes not yet read and the mean line so far): a loop faster than the pace leaves
    /// the view behind, which it says instead of looking live.
    public var behind = 0
    /// Caught up and no record for `StreamSession.idleAfter` seconds: the writer is quiet.
    /// A loop writing 40 records a second leaves the view caught up between any two of
    /// them; it is still running, not waiting.
    public var idle = false
    /// The writer closed the stream (its end record, or the end of standard input): nothing
    /// more of this run will come.
    public var ended = false
}

/// A run read from a stream (docs/stream.md) on its own thread: records are shown
/// at the pace in force (a finished file replays; a growing one is followed, as
/// `tail -f`), and where the writer opted in, pause, step and clipping reach the
/// user's loop through its control file. Nothing here trains.
public final class StreamSession: RunThread, RunSource, @unchecked Sendable {
    // Guarded by `condition`.
    private var inbox: [RunCommand] = []

    private let follower: StreamFollower
    /// The stream's path (nil for standard input): names it and places its control file.
    private let path: String?
    private var speed: Double
    private let name: String
    /// The stream as the user named it, for the line that ends the program when its header cannot be used.
    private let given: String

    /// Follows the file at `path` (nil: the descriptor, standard input).
    public init(path: String?, descriptor: Int32 = 0, speed: Double, running: Bool = true) {
        self.path = path
        follower = path.map { StreamFollower(path: $0) } ?? StreamFollower(descriptor: descriptor)
        self.speed = speed
        name = path.map { ($0 as NSString).lastPathComponent } ?? "standard input"
        given = path ?? "standard input"
        super.init()
        if !running { inbox.append(.pause) }
    }

    public func start() {
        let thread = Thread { [self] in
            var reader = Reader(session: self)
            reader.run()
            markFinished()
        }
        thread.name = "rnnscope-stream"
        thread.start()
    }

    public func send(_ command: RunCommand) {
        condition.lock()
        inbox.append(command)
        condition.signal()
        condition.unlock()
    }

    public func send(_ command: RunCommand, judgedBy watcher: MomentWatcher?) { send(command) }
    public func join(_ lockstep: (gate: Lockstep, side: Int)?) {}

    /// Commands queued since the last call, waiting up to `seconds` for one.
    fileprivate func takeCommands(waiting seconds: Double) -> (commands: [RunCommand], stop: Bool) {
        condition.lock()
        defer { condition.unlock() }
        if inbox.isEmpty && !stopRequested && seconds > 0 {
            _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
        }
        let commands = inbox
        inbox.removeAll()
        return (commands, stopRequested)
    }

    /// The reading thread's own state.
    private struct Reader {
        let session: StreamSession
        var header: StreamHeader?
        var control: StreamControl?
        var running = true
        var pendingSteps = 0
        var line = 0
        var progress = StreamProgress()
        var lastDelivered = -Double.infinity
        var lastPublished = -Double.infinity
        var rate = RateMeter()
        /// The last record of a burst, not yet drawn, with the options (clipping) it ran with.
        var unpublished: (IterationReport, BPTTOptions)?
        var generation = 0
        /// A header that could not be used: nothing after it can be shown (the view ends).
        var failed = false
        /// Paused with a loop the view steers: how far the stream reached when the view paused
        /// (or caught up to). What the loop writes after that (the iteration under way when
        /// space was pressed, each one n lets through) is its newest state and is shown as it
        /// comes; what was written before is a backlog that waits, as a replay does.
        var pausedAt: Int64?
        /// Records the loop wrote since the pause reached the control file, and the iterations
        /// n let through since: a loop that reads the control file writes at most one more
        /// (the iteration under way) than n let through. Counted from the stream's length once
        /// the file was written (`pauseWrittenAt`), not from `pausedAt`: on a busy machine the
        /// loop could write a record or two in between, and the view said it did not read the file.
        var pauseWrittenAt: Int64?
        var writtenSincePause = 0
        var stepsSincePause = 0
        var saidUnread = false
        /// A record read while paused that belongs to the backlog: the next one shown.
        var held: StreamRecord?
        /// The iteration of the last record taken: a record must come after it.
        var lastIteration = 0
        /// The last spectrum and gates shown.
        var lastSpectrum: SpectrumReading?
        /// Where the header line ends and the records begin, in bytes (and lines).
        var headerEnd: (bytes: Int64, lines: Int) = (0, 0)
        /// The view's latest clipping request (`RunCommand.setClip`'s number), and those taken as
        /// read without the loop's word: written to no file, or to one the loop does not read.
        var clipRequest = 0
        var clipSettled = 0
        /// How long the stream was when the latest request was written, until a record says the
        /// loop read it; and the records written since that had not. Past the iteration under
        /// way, a loop that reads the control file has read it.
        var clipAskedAt: Int64?
        var clipUnread = 0

        init(session: StreamSession) { self.session = session }

        /// Waiting for the file to grow is checked this often.
        static let followInterval = 0.05
        /// Caught up for this long without a record, the stream is idle (WAITING FOR RECORDS, 0 it/s).
        static let idleAfter = 1.0

        mutating func run() {
            defer { control?.release() }
            while true {
                let wait = nextWait()
                let (commands, stop) = session.takeCommands(waiting: wait)
                if stop { return }
                for c in commands { apply(c) }
                if failed { continue }
                if header == nil { readHeader(); continue }
                deliverDue()
            }
        }

        /// How long to wait for a command before reading again.
        func nextWait() -> Double {
            if failed { return 1 }
            let due = running && session.speed.isFinite ? lastDelivered + 1 / session.speed - clock() : 0
            if header == nil || progress.caughtUp || progress.ended { return max(due, Self.followInterval) }
            if !running && pendingSteps == 0 { return control != nil ? Self.followInterval : 1 }
            return max(0, due)
        }

        mutating func apply(_ command: RunCommand) {
            switch command {
            case .pause, .pauseAt:
                if running {
                    // Caught up, everything not yet shown is newer than what the viewer was looking at.
                    pausedAt = progress.caughtUp ? session.follower.consumed : session.follower.length
                }
                running = false
                writtenSincePause = 0
                stepsSincePause = 0
                saidUnread = false
                steer { try $0.pause(true) }
                pauseWrittenAt = session.follower.length
                session.publish { $0.iterationsPerSecond = 0 }
            case .resume:
                running = true
                pausedAt = nil
                rate = RateMeter()
                steer { try $0.pause(false) }
            case .stepOnce:
                pendingSteps += 1
                stepsSincePause += 1
                // The loop lets one iteration through; the view shows the next record.
                steer { try $0.step() }
            case .setSpeed(let s):
                session.speed = s
            case .setClip(let c, let request):
                clipRequest = request
                if control == nil { say(Self.notSteered("clipping")) }
                // Nothing written, nothing for the loop to read: its records are the clipping in force.
                if !steer({ try $0.setClip(c, request: request) }) { clipSettled = request }
                // Measured after the write: of the records written from here, only the iteration
                // under way can have run before the loop could read it.
                clipAskedAt = session.follower.length
                clipUnread = 0
            case .setTruncate:
                say("truncation is your loop's own: rnnscope can only show it")
            case .reinitialise, .open, .restart, .fork:
                say("a stream is shown as it was written: it cannot be restarted from here")
            case .saveWeights:
                say("the weights are your loop's: save them there")
            case .measureJacobians:
                // The stream has no per-step Jacobian norms: step-through shows ‖∂L/∂h_t‖ alone.
                break
            }
        }

        static func notSteered(_ what: String) -> String {
            "\(what) is your loop's: rnnscope.watch(..., control=True) lets the view set it"
        }

        static func unread(_ what: String, _ path: String) -> String {
            "your loop did not \(what): it does not read \(path) (another machine or directory?)"
        }

        /// Passes a key to the user's loop, if it opted in; whether the control file was written.
        @discardableResult
        mutating func steer(_ act: (StreamControl) throws -> Void) -> Bool {
            guard let control else { return false }
            do {
                try act(control)
                return true
            } catch {
                say("\(error)")
                return false
            }
        }

        func say(_ text: String) { session.publish { $0.notice = text } }

        mutating func readHeader() {
            switch StreamHeader.read(from: session.follower, name: session.given, line: &line) {
            case .header(let h):
                adopt(h)
            case .unusable(let why):
                // The view ends on it (a stream's error is fatal: update's unusableStream).
                failed = true
                session.publish { $0.error = why }
            case .waiting:
                break
            }
        }

        /// The header of the run being read (the first line's, or an appended run's).
        mutating func adopt(_ h: StreamHeader) {
            header = h
            headerEnd = (session.follower.consumed, line)
            if let p = StreamControl.path(stream: session.path, header: h.control) { control = StreamControl(path: p) }
            // A new control file carries no clipping: the new run's loop clips at its own.
            clipSettled = clipRequest
            clipAskedAt = nil
            // The view's own state, written at once: a control file a viewer killed while
            // paused left behind would otherwise hold the loop while this one says RUNNING.
            let paused = !running
            steer { try $0.pause(paused) }
            session.publish { $0.streamHeader = h }
        }

        /// Shows the records that are due: one at the pace in force, all there are at max.
        mutating func deliverDue() {
            if !running {
                deliverPaused()
                return
            }
            let atMax = session.speed.isInfinite
            let budget = atMax ? 10_000 : (clock() >= lastDelivered + 1 / session.speed ? 1 : 0)
            var delivered = 0
            while delivered < budget {
                guard let record = takeRecord() else { break }
                deliver(record, last: delivered == budget - 1)
                delivered += 1
            }
            if let (r, options) = unpublished, delivered == 0 || atMax {
                unpublished = nil
                session.publish {
                    $0.report = r
                    $0.reportOptions = options
                }
            }
        }

        /// Paused: n shows the next record; with a loop the view steers, so does each record
        /// the loop wrote after the pause (see `pausedAt`).
        mutating func deliverPaused() {
            while true {
                let stepped = held != nil
                guard let record = takeRecord() else { return }
                let written = !stepped && control != nil && pausedAt.map { session.follower.consumed > $0 } == true
                if written, pauseWrittenAt.map({ session.follower.consumed > $0 }) == true {
                    writtenSincePause += 1
                    if !saidUnread && writtenSincePause >= stepsSincePause + 2, let path = control?.path {
                        saidUnread = true
                        say(Self.unread("pause", path))
                    }
                }
                guard pendingSteps > 0 || written else {
                    held = record
                    return
                }
                if pendingSteps > 0 { pendingSteps -= 1 }
                deliver(record, last: true)
            }
        }

        mutating func takeRecord() -> StreamRecord? {
            if let r = held {
                held = nil
                return r
            }
            return nextRecord()
        }

        /// The next usable record; bad lines are counted and skipped.
        mutating func nextRecord() -> StreamRecord? {
            guard let header else { return nil }
            while true {
                switch session.follower.next() {
                case .line(let bytes):
                    line += 1
                    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                    switch StreamRecord.parse(bytes, header: header) {
                    case .success(let r):
                        // Iterations only go on: one that does not (a record pasted in out of
                        // order) cannot take its place in the history, which is drawn by iteration.
                        guard r.report.iteration > lastIteration else {
                            skip("line \(line): iteration \(r.report.iteration) after iteration \(lastIteration)")
                            continue
                        }
                        lastIteration = r.report.iteration
                        progress.caughtUp = false
                        // Records after an end record: the writer went on after all.
                        progress.ended = false
                        return r
                    case .failure(let e):
                        // A header after the records: another run appended to the file. It is
                        // a new run, as a replaced file is: its records are not the first run's.
                        if case .success(let h) = StreamHeader.parse(bytes) {
                            appended(h, at: line)
                            return nil
                        }
                        if StreamEnd.isEnd(bytes) {
                            ended()
                            return nil
                        }
                        skip("line \(line): \(e)")
                    }
                case .skippedLong:
                    line += 1
                    skip("line \(line): longer than \(StreamFollower.maximumLine >> 20) MiB")
                case .waiting:
                    if !progress.caughtUp {
                        progress.caughtUp = true
                        progress.behind = 0
                        publishProgress()
                    }
                    if !progress.idle && clock() - lastDelivered >= Self.idleAfter {
                        progress.idle = true
                        publishProgress()
                        // Nothing is being shown: no rate to speak of until records come again.
                        session.publish { $0.iterationsPerSecond = 0 }
                    }
                    return nil
                case .ended:
                    ended()
                    return nil
                case .restarted:
                    restart()
                    return nil
                }
            }
        }

        /// The writer closed the stream: everything before its end is shown. A file is still
        /// followed, for another run appended after it or the file replaced.
        mutating func ended() {
            guard !progress.ended else { return }
            progress.ended = true
            progress.caughtUp = true
            progress.behind = 0
            progress.idle = true
            publishProgress()
            session.publish { $0.iterationsPerSecond = 0 }
        }

        mutating func skip(_ problem: String) {
            progress.skipped += 1
            progress.lastProblem = problem
            publishProgress()
        }

        func publishProgress() {
            let p = progress
            session.publish { $0.streamProgress = p }
        }

        /// The file was replaced or truncated: a new run, read from its header.
        mutating func restart() {
            header = nil
            lastIteration = 0
            lastSpectrum = nil
            control?.release()
            control = nil
            line = 0
            progress = StreamProgress()
            generation += 1
            unpublished = nil
            held = nil
            // Paused, a new file is a new run: all of it comes after the pause.
            if !running { pausedAt = 0 }
            let g = generation, name = session.name
            // The old run's records nobody has collected yet are not the new run's.
            session.publish(newRun: true) { u in
                u = SessionUpdate(generation: g)
                u.restarted = true
                u.notice = "\(name) was replaced: reading it from the start"
            }
        }

        /// A second header at `headerLine`: the run it begins is shown from its start, under its
        /// own header. Its control file, the same `<stream>.control` for a file, is written
        /// afresh; one the new run does not read is removed.
        mutating func appended(_ h: StreamHeader, at headerLine: Int) {
            let keep = control
            control = nil
            restart()
            let name = session.name
            session.publish { $0.notice = "\(name), line \(headerLine): another run's header: showing that run from its start" }
            line = headerLine
            adopt(h)
            if control?.path != keep?.path { keep?.release() }
        }

        mutating func deliver(_ record: StreamRecord, last: Bool) {
            let now = clock()
            lastDelivered = now
            rate.record(at: now)
            progress.records += 1
            progress.idle = false
            let report = record.report
            var summary = IterationSummary(report: report, clipThreshold: record.clipMaxNorm)
            summary.clipRequestRead = clipRequestRead(record)
            summary.lossMeasured = record.lossMeasured
            // Reports go out at about the frame rate; the last of a burst always.
            let publishReport = last || now - lastPublished >= RunThread.publishInterval
            if publishReport {
                lastPublished = now
                progress.behind = estimateBehind()
            }
            let options = BPTTOptions(loss: .mseAll, clipNorm: record.clipMaxNorm)
            unpublished = publishReport ? nil : (report, options)
            let perSecond = running ? rate.perSecond(at: now) : 0
            var measured = record.spectrumMeasured ? SpectrumReading(reading: report) : SpectrumReading(measured: report)
            if measured == nil && record.gatesMeasured {
                // The gates without W_hh's spectrum: σ_max stays the last record's that measured it
                // (none: not measured), never this record's NaN placeholder.
                var gates = SpectrumReading(reading: report)
                gates.spectralRadius = lastSpectrum?.spectralRadius ?? []
                gates.largestSingularValue = lastSpectrum?.largestSingularValue ?? []
                measured = gates
            }
            if let measured { lastSpectrum = measured }
            let p = progress
            let calls = record.calls, gradNormMeasured = record.gradNormMeasured, clipMeasured = record.clipMeasured
            session.publish({ u in
                u.streamCalls = calls
                u.streamGradNormMeasured = gradNormMeasured
                u.streamClipMeasured = clipMeasured
                // Inf/NaN in the loop's gradient: shown as a diverged run (it leaves the split's shared scale).
                u.carry(report, options, whole: publishReport, spectrum: measured, perSecond: perSecond, diverged: report.nonfinite)
                u.streamProgress = p
            }, summary: summary)
        }

        /// Which of the view's clipping requests the loop had read when it ran the record's
        /// iteration, from its `clip_seq` (nil: the writer does not say).
        mutating func clipRequestRead(_ record: StreamRecord) -> Int? {
            guard let seq = record.clipSeq, let control else { return nil }
            let read = max(control.request(read: seq), clipSettled)
            if read >= clipRequest {
                clipAskedAt = nil
            } else if let at = clipAskedAt, session.follower.consumed > at {
                clipUnread += 1
                if clipUnread >= 2 {
                    say(Self.unread("take the clipping", control.path))
                    clipSettled = clipRequest
                    clipAskedAt = nil
                    return clipRequest
                }
            }
            return read
        }

        func clock() -> Double { ProcessInfo.processInfo.systemUptime }

        /// Records written and not yet shown, estimated from the bytes left and the mean line.
        func estimateBehind() -> Int {
            let f = session.follower
            let unread = f.length - f.consumed, lines = line - headerEnd.lines
            guard unread > 0, lines > 0, f.consumed > headerEnd.bytes else { return 0 }
            return Int(unread / max(1, (f.consumed - headerEnd.bytes) / Int64(lines)))
        }
    }
}
