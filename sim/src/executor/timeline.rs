//! Link heat over time, split by traffic class: bytes per link per time window for the
//! attention-side collectives, the MoE dispatch and combine, and migrations. Windows are aligned
//! to absolute multiples of the window length (as the tiers' [`LinkLoad`]), so the runs of
//! successive phases add up on one timeline.

use moesim_core::Tick;
use moesim_noc::tier::{LinkLoad, Message, NetworkRun};
use serde::Serialize;

/// What traffic is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrafficClass {
    /// Tensor-parallel collectives of attention, dense FFNs, embedding and LM head.
    Attention,
    /// MoE dispatch and combine (with the collectives of split experts).
    Moe,
    /// Expert replicas copied on the migration stream.
    Migration,
}

impl TrafficClass {
    pub const ALL: [TrafficClass; 3] = [
        TrafficClass::Attention,
        TrafficClass::Moe,
        TrafficClass::Migration,
    ];
    pub const fn index(self) -> usize {
        self as usize
    }
    pub const fn name(self) -> &'static str {
        match self {
            TrafficClass::Attention => "attention",
            TrafficClass::Moe => "moe",
            TrafficClass::Migration => "migration",
        }
    }
}

const NC: usize = 3;

/// Bytes per link per window per class, and per-class active time.
#[derive(Clone, Debug, Default)]
pub struct LinkTimeline {
    pub window: Tick,
    num_links: usize,
    /// `windows[w][c * num_links + l]`: bytes of class `c` on link `l` in absolute window `w`.
    windows: Vec<Vec<f64>>,
    /// Per class: the intervals (release, finish) of its messages, in picoseconds.
    intervals: [Vec<(u64, u64)>; NC],
    /// Per class, per link: bytes over the whole run.
    pub totals: [Vec<f64>; NC],
}

impl LinkTimeline {
    pub fn new(num_links: usize, window: Tick) -> LinkTimeline {
        LinkTimeline {
            window: Tick(window.as_ps().max(1)),
            num_links,
            windows: Vec::new(),
            intervals: std::array::from_fn(|_| Vec::new()),
            totals: std::array::from_fn(|_| vec![0.0; num_links]),
        }
    }

    pub fn num_links(&self) -> usize {
        self.num_links
    }
    /// Number of windows from time zero to the last one with traffic.
    pub fn num_windows(&self) -> usize {
        self.windows.len()
    }

    /// Bytes of `class` on `link` in window `w` (0 beyond the end).
    pub fn bytes(&self, w: usize, class: TrafficClass, link: usize) -> f64 {
        self.windows
            .get(w)
            .map_or(0.0, |v| v[class.index() * self.num_links + link])
    }

    /// Records a tier run of `msgs`. `class_of[i]` is message `i`'s class; `link_share(l)`
    /// gives, for a call that mixes classes, each class's share of link `l`'s bytes.
    pub fn record(
        &mut self,
        msgs: &[Message],
        class_of: &[TrafficClass],
        run: &NetworkRun,
        link_share: Option<&[[f64; NC]]>,
    ) {
        for (i, m) in msgs.iter().enumerate() {
            if m.bytes > 0 && run.finish[i] > m.release {
                self.intervals[class_of[i].index()]
                    .push((m.release.as_ps(), run.finish[i].as_ps()));
            }
        }
        let single = class_of
            .first()
            .copied()
            .filter(|c0| class_of.iter().all(|c| c == c0));
        self.add_load(&run.link_load, single, link_share);
    }

    fn add_load(
        &mut self,
        load: &LinkLoad,
        single: Option<TrafficClass>,
        share: Option<&[[f64; NC]]>,
    ) {
        let l = self.num_links;
        for (w, row) in load.bytes.iter().enumerate() {
            // windows are mapped by their start time (the tier's window equals ours)
            let start = load.window_start(w).as_ps();
            let abs = (start / self.window.as_ps()) as usize;
            if abs >= self.windows.len() {
                self.windows.resize_with(abs + 1, || vec![0.0; NC * l]);
            }
            let dst = &mut self.windows[abs];
            for (k, &b) in row.iter().enumerate().take(l) {
                if b == 0.0 {
                    continue;
                }
                match single {
                    Some(c) => {
                        dst[c.index() * l + k] += b;
                        self.totals[c.index()][k] += b;
                    }
                    None => {
                        let s = share.map_or([0.0, 1.0, 0.0], |s| s[k]);
                        for c in 0..NC {
                            dst[c * l + k] += b * s[c];
                            self.totals[c][k] += b * s[c];
                        }
                    }
                }
            }
        }
    }

    /// The time some message of `class` was in flight (the union of their intervals).
    pub fn active(&self, class: TrafficClass) -> Tick {
        let mut v = self.intervals[class.index()].clone();
        v.sort_unstable();
        let mut total = 0u64;
        let mut cur: Option<(u64, u64)> = None;
        for (a, b) in v {
            match cur {
                Some((s, e)) if a <= e => cur = Some((s, e.max(b))),
                Some((s, e)) => {
                    total += e - s;
                    cur = Some((a, b));
                }
                None => cur = Some((a, b)),
            }
        }
        if let Some((s, e)) = cur {
            total += e - s;
        }
        Tick(total)
    }

    /// Per link, bytes of every class together in window `w`.
    pub fn window_total(&self, w: usize, link: usize) -> f64 {
        (0..NC)
            .map(|c| self.windows[w][c * self.num_links + link])
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_core::NodeId;

    #[test]
    fn classes_and_windows_accumulate() {
        let mut tl = LinkTimeline::new(2, Tick(100));
        let msgs = [Message::new(0, NodeId(0), NodeId(1), 50, Tick(150))];
        let mut load = LinkLoad::new(2, Tick(100), Tick(150));
        load.add_interval(1, 150.0, 250.0, 0.5);
        let run = NetworkRun {
            tier: "t".into(),
            finish: vec![Tick(260)],
            makespan: Tick(260),
            link_bytes: vec![0, 50],
            link_load: load,
        };
        tl.record(&msgs, &[TrafficClass::Moe], &run, None);
        assert_eq!(tl.num_windows(), 3);
        assert_eq!(tl.bytes(1, TrafficClass::Moe, 1), 25.0);
        assert_eq!(tl.bytes(2, TrafficClass::Moe, 1), 25.0);
        assert_eq!(tl.active(TrafficClass::Moe), Tick(110));
        let two = [
            msgs[0],
            Message::new(1, NodeId(0), NodeId(1), 50, Tick(150)),
        ];
        let share = [[0.0, 1.0, 0.0], [0.0, 0.5, 0.5]];
        tl.record(
            &two,
            &[TrafficClass::Moe, TrafficClass::Migration],
            &NetworkRun {
                finish: vec![Tick(260), Tick(300)],
                ..run
            },
            Some(&share),
        );
        assert_eq!(tl.totals[TrafficClass::Migration.index()][1], 25.0);
        assert_eq!(tl.window_total(1, 1), 25.0 + 25.0);
        // overlapping intervals count once
        assert_eq!(tl.active(TrafficClass::Moe), Tick(110));
        assert_eq!(tl.active(TrafficClass::Migration), Tick(150));
    }
}
