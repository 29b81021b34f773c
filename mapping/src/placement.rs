//! The interface of a placement policy.

use crate::context::PlacementContext;
use crate::map::PlacementMap;
use moesim_core::Result;

/// A placement policy: maps the logical endpoints of a model onto the devices of a platform.
pub trait Placement {
    /// The policy's `kind` as written in `[placement]`.
    fn kind(&self) -> &'static str;
    /// Places every endpoint. Errors name `ctx.origin` and the `placement.*` key at fault.
    fn place(&self, ctx: &PlacementContext) -> Result<PlacementMap>;
}
