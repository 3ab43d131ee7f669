/// What the simulation thread is doing: one of five phases, moved from one to
/// another only by the commands (`pause`, `resume`, …) and by finishing an
/// iteration (`finished`).
public enum SimulationPhase: Equatable, Sendable {
    /// Iterating at the pace.
    case running
    /// Standing still until asked.
    case paused
    /// Running until the trainer has finished iteration `until`, then paused
    /// (`n`, or the iteration a split's pause or the other run's moment stops at).
    case stepping(until: Int)
    /// Paused itself: at a claim's moment, or at `--iterations`.
    case stopped(SelfPause)
    /// The trainer produced Inf/NaN and no longer changes. `resumes`: a new run
    /// runs on (it was running); `holding`: it stopped itself there (its moment).
    case diverged(resumes: Bool, holding: Bool)
}

/// One-off requests, served by the next iteration (or by remeasuring the one shown).
public struct SimulationRequests: Equatable, Sendable {
    /// A new run's first iteration runs even when paused, so the new network shows at once.
    public var firstIteration = true
    /// The next iteration records the per-step Jacobian norms (step-through needs them).
    public var jacobians = false
    /// The iteration on screen is run again from its own weights and batch, with its Jacobians.
    public var remeasure = false
}

/// The simulation thread's state, as values: its phase, its requests and the
/// trainer's iteration. Every valid combination is one of these; the thread only
/// asks it what to do and tells it what happened.
public struct SimulationState: Equatable, Sendable {
    public var phase: SimulationPhase
    public var requests = SimulationRequests()
    /// The last iteration the trainer finished.
    public var iteration = 0
    /// The last iteration ran with the Jacobians (a second request for them needs nothing).
    var lastHadJacobians = false

    public init(running: Bool) { phase = running ? .running : .paused }

    /// Whether there is an iteration to run now (given a trainer).
    public var iterates: Bool {
        if requests.firstIteration || requests.jacobians { return true }
        switch phase {
        case .running, .stepping: return true
        case .paused, .stopped, .diverged: return false
        }
    }

    /// Whether the next iteration waits for the pace (a step or a measurement asked for by a key never waits).
    var paced: Bool { phase == .running && !requests.firstIteration && !requests.jacobians }

    /// Whether it stands still where it is: a split's other run may not pass it.
    var holding: Bool {
        switch phase {
        case .paused, .stopped: return true
        case .diverged(_, let holding): return holding
        case .running, .stepping: return false
        }
    }

    var diverged: Bool {
        if case .diverged = phase { return true }
        return false
    }

    /// Space: it stands still (steps still queued are still run).
    public mutating func pause() {
        switch phase {
        case .running: phase = .paused
        case .diverged(_, let holding): phase = .diverged(resumes: false, holding: holding)
        case .paused, .stepping, .stopped: break
        }
    }

    /// Pause once iteration `n` is finished (at once if it is).
    public mutating func pause(after n: Int) {
        guard iteration < n else { return pause() }
        switch phase {
        case .running: phase = .stepping(until: n)
        case .stepping(let u): phase = .stepping(until: max(u, n))
        default: pause()
        }
    }

    public mutating func resume() {
        if case .diverged = phase {
            phase = .diverged(resumes: true, holding: false)
        } else {
            phase = .running
        }
    }

    /// `n`: one iteration more. A new run's first iteration is its own: an `n` pressed
    /// before it is shown still steps once more after it.
    public mutating func stepOnce() {
        switch phase {
        case .running: break
        case .stepping(let u): phase = .stepping(until: u + 1)
        default: phase = .stepping(until: iteration + (requests.firstIteration ? 2 : 1))
        }
    }

    /// Step-through asks for the Jacobians of the iteration it will show: the step still
    /// queued (or a new run's first iteration), else the one on screen, measured again.
    public mutating func measureJacobians() {
        if case .stepping = phase {
            requests.jacobians = true
        } else if requests.firstIteration {
            requests.jacobians = true
        } else if !lastHadJacobians {
            requests.remeasure = true
        }
    }

    /// A new run (restart, new settings): steps and measurements asked of the old one
    /// do not carry over (those asked after it do); it runs on if this one ran.
    public mutating func newRun() {
        let runs: Bool
        switch phase {
        case .running: runs = true
        case .diverged(let resumes, _): runs = resumes
        case .paused, .stepping, .stopped: runs = false
        }
        phase = runs ? .running : .paused
        requests = SimulationRequests()
        iteration = 0
        lastHadJacobians = false
    }

    /// The run's trainer is built, at its iteration: a fork goes on from the one it was
    /// handed, and shows no first iteration of its own.
    public mutating func built(at iteration: Int, diverged: Bool) {
        self.iteration = iteration
        if iteration > 0 { requests.firstIteration = false }
        if diverged { phase = .diverged(resumes: phase == .running, holding: false) }
    }

    /// Iteration `n` has finished. `moment`: a claim's verdict came with it; `stopAt`:
    /// the iteration every run pauses at (`--iterations`). Returns why the run paused
    /// itself, if it did: only a running run does (a step shows a moment but goes no further anyway).
    public mutating func finished(iteration n: Int, jacobians: Bool, moment: Bool, stopAt: Int?, diverged: Bool) -> SelfPause? {
        iteration = n
        requests.firstIteration = false
        requests.jacobians = false
        requests.remeasure = false
        lastHadJacobians = jacobians
        var pause: SelfPause?
        switch phase {
        case .running:
            if moment { pause = .moment(iteration: n) } else if n == stopAt { pause = .iterationLimit(n) }
            if let pause { phase = .stopped(pause) }
        case .stepping(let until) where n >= until:
            phase = .paused
        default: break
        }
        if diverged, !self.diverged {
            phase = .diverged(resumes: phase == .running, holding: pause != nil)
        }
        return pause
    }

    /// The iteration shown was measured again with its Jacobians.
    mutating func remeasured() {
        requests.remeasure = false
        lastHadJacobians = true
    }
}
