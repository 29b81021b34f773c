//! Trace replay: step `s` of a batch of `T` tokens routes token `t` as trace token
//! `(offset + s T + t) mod n` (the trace wraps around).

use super::RoutingTrace;
use crate::batch::Batch;
use crate::routing::{RoutingShape, RoutingSource, StepRouting};
use moesim_core::Result;

pub struct TraceReplay {
    shape: RoutingShape,
    trace: RoutingTrace,
    offset_tokens: u64,
}

impl TraceReplay {
    pub fn new(shape: RoutingShape, trace: RoutingTrace, offset_tokens: u64) -> TraceReplay {
        TraceReplay {
            shape,
            trace,
            offset_tokens,
        }
    }
    pub fn trace(&self) -> &RoutingTrace {
        &self.trace
    }
}

impl RoutingSource for TraceReplay {
    fn describe(&self) -> String {
        format!(
            "trace {} ({} tokens, offset {})",
            self.trace.origin,
            self.trace.table.num_tokens(),
            self.offset_tokens
        )
    }

    fn shape(&self) -> &RoutingShape {
        &self.shape
    }

    fn route_step(&self, step: u64, batch: &Batch, out: &mut StepRouting) -> Result<()> {
        let s = &self.shape;
        let tokens = batch.num_tokens();
        out.reset(s.num_layers, tokens as u32, s.top_k);
        let n = self.trace.table.num_tokens() as u64;
        let first = (self.offset_tokens % n + (step % n) * (tokens % n)) % n;
        for l in 0..s.num_layers {
            let src = self.trace.table.layer(l);
            for t in 0..tokens {
                let i = ((first + t) % n) as usize;
                out.token_mut(l, t as u32).copy_from_slice(src.token(i));
            }
        }
        Ok(())
    }
}
