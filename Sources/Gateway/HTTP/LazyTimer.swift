import NIOCore

/// A timeout that can be moved on every request at the cost of a clock read: one scheduled task per owner,
/// set up again only when it fires before the current deadline or when the deadline moves earlier than the
/// task. A keep-alive connection moving its header and idle deadlines twice per request therefore schedules
/// a task about once per timeout period instead of twice per request (scheduling and cancelling allocate and
/// take the event loop's timer lock).
final class LazyTimer {
    private let eventLoop: any EventLoop
    private let onExpiry: () -> Void
    private var deadline: NIODeadline?
    private var task: Scheduled<Void>?
    private var taskDeadline: NIODeadline?

    /// A timer that calls `onExpiry` on `eventLoop` when an armed deadline passes.
    init(eventLoop: any EventLoop, onExpiry: @escaping () -> Void) {
        self.eventLoop = eventLoop
        self.onExpiry = onExpiry
    }

    /// Sets the deadline to `delay` from now, replacing any earlier one.
    func arm(in delay: TimeAmount) {
        let target = NIODeadline.now() + delay
        deadline = target
        if let taskDeadline, taskDeadline <= target { return }  // the pending task fires first and moves on
        task?.cancel()
        schedule(at: target)
    }

    /// Forgets the deadline; a pending task finds nothing to do when it fires.
    func disarm() {
        deadline = nil
    }

    /// Forgets the deadline and cancels the pending task (the owner is going away).
    func cancel() {
        deadline = nil
        task?.cancel()
        task = nil
        taskDeadline = nil
    }

    private func schedule(at target: NIODeadline) {
        taskDeadline = target
        task = eventLoop.assumeIsolated().scheduleTask(deadline: target) { self.fire() }
    }

    private func fire() {
        task = nil
        taskDeadline = nil
        guard let deadline else { return }
        if deadline > .now() {
            schedule(at: deadline)
            return
        }
        self.deadline = nil
        onExpiry()
    }
}

@available(*, unavailable)
extension LazyTimer: Sendable {}
