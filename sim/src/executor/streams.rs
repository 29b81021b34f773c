//! Streams: every device has a compute stream, a communication stream and a migration stream.
//! Operations on one stream run one after the other; operations on different streams overlap.
//! The executor issues an operation at the time its inputs are ready; it starts when its stream
//! is also free. Network operations occupy the communication (or migration) stream of the
//! devices that send them from their release until their last message is delivered.

use moesim_core::Tick;
use serde::Serialize;

/// Which stream of a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    Compute,
    Communication,
    Migration,
}

/// One stream: when it is free, and how long it has been busy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stream {
    pub free_at: Tick,
    /// Sum of the durations of its operations.
    pub busy: Tick,
    pub ops: u64,
}

/// When an operation ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: Tick,
    pub end: Tick,
}

impl Stream {
    /// The time an operation whose inputs are ready at `ready` may start.
    pub fn start_time(&self, ready: Tick) -> Tick {
        ready.max(self.free_at)
    }

    /// Runs an operation of `duration` ready at `ready`: it starts when the stream is free.
    pub fn issue(&mut self, ready: Tick, duration: Tick) -> Span {
        let start = self.start_time(ready);
        let end = start.saturating_add(duration);
        self.occupy(start, end);
        Span { start, end }
    }

    /// Records an operation that ran from `start` to `end` (timed elsewhere, e.g. by the
    /// network); the stream is free again at `end` at the earliest.
    pub fn occupy(&mut self, start: Tick, end: Tick) {
        self.busy = self.busy.saturating_add(end.saturating_sub(start));
        self.free_at = self.free_at.max(end);
        self.ops += 1;
    }
}

/// The three streams of a device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeviceStreams {
    pub compute: Stream,
    pub communication: Stream,
    pub migration: Stream,
}

impl DeviceStreams {
    pub fn get(&self, k: StreamKind) -> &Stream {
        match k {
            StreamKind::Compute => &self.compute,
            StreamKind::Communication => &self.communication,
            StreamKind::Migration => &self.migration,
        }
    }
    pub fn get_mut(&mut self, k: StreamKind) -> &mut Stream {
        match k {
            StreamKind::Compute => &mut self.compute,
            StreamKind::Communication => &mut self.communication,
            StreamKind::Migration => &mut self.migration,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ns: f64) -> Tick {
        Tick::from_ns(ns)
    }

    #[test]
    fn one_stream_serialises_two_overlap() {
        let mut d = DeviceStreams::default();
        let a = d.compute.issue(t(0.0), t(10.0));
        let b = d.compute.issue(t(5.0), t(10.0));
        assert_eq!((a.end, b.start, b.end), (t(10.0), t(10.0), t(20.0)));
        // the communication and migration streams are independent of the compute stream
        let c = d.get_mut(StreamKind::Communication).issue(t(5.0), t(3.0));
        let m = d.get_mut(StreamKind::Migration).issue(t(0.0), t(50.0));
        assert_eq!((c.start, c.end), (t(5.0), t(8.0)));
        assert_eq!((m.start, m.end), (t(0.0), t(50.0)));
        assert_eq!(d.compute.busy, t(20.0));
        assert_eq!(d.get(StreamKind::Migration).ops, 1);
        d.communication.occupy(t(30.0), t(40.0));
        assert_eq!(d.communication.start_time(t(35.0)), t(40.0));
    }
}
