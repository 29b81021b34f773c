//! A GPU system built from its configuration: the calls the executor and the GPU-cluster
//! baselines make (expert FFN time, collective time, HBM transfer time).

use crate::collective::{CollectiveKind, CollectiveNetwork, LevelModel};
use crate::config::GpuSystemConfig;
use crate::ffn::{ExpertShape, FfnModel};
use crate::presets;
use crate::spec::GpuSpec;
use crate::topology::CommGroup;
use moesim_core::{DType, DeviceSpec, Error, FlopRate, Result, Tick};
use moesim_memory::BandwidthLatency;

/// GPUs in NVSwitch domains joined by a scale-out network, with calibrated cost models.
#[derive(Clone, Debug)]
pub struct GpuSystem {
    cfg: GpuSystemConfig,
    net: CollectiveNetwork,
    ffn: FfnModel,
    hbm: BandwidthLatency,
}

impl GpuSystem {
    /// Builds the system of `cfg` (validated first).
    pub fn new(cfg: GpuSystemConfig) -> Result<GpuSystem> {
        cfg.validate(&cfg.name)?;
        let c = &cfg.calibration;
        let net = CollectiveNetwork {
            domain: LevelModel {
                link_gbytes_per_s: cfg.gpu.nvlink_gbytes_per_s,
                all_to_all: c.all_to_all,
                ring: c.ring,
            },
            scale_out: LevelModel {
                link_gbytes_per_s: cfg.scale_out.gbits_per_s_per_gpu / 8.0,
                all_to_all: cfg.scale_out.all_to_all,
                ring: cfg.scale_out.ring,
            },
        };
        let ffn = FfnModel::new(&cfg.gpu, c.ffn);
        // The HBM model carries no latency of its own: a kernel's memory latency is inside the
        // fitted FFN terms and launch floors.
        let hbm = BandwidthLatency {
            peak_gbytes_per_s: cfg.gpu.hbm_gbytes_per_s,
            efficiency: c.hbm_copy_efficiency,
            unloaded_latency_ns: 0.0,
        };
        Ok(GpuSystem { cfg, net, ffn, hbm })
    }

    /// The embedded preset `name` (see [`presets::preset_names`]).
    pub fn preset(name: &str) -> Result<GpuSystem> {
        GpuSystem::new(presets::preset(name)?)
    }

    pub fn config(&self) -> &GpuSystemConfig {
        &self.cfg
    }
    pub fn gpu(&self) -> &GpuSpec {
        &self.cfg.gpu
    }
    pub fn world_size(&self) -> usize {
        self.cfg.world_size()
    }
    pub fn gpus_per_domain(&self) -> usize {
        self.cfg.system.gpus_per_domain
    }
    pub fn network(&self) -> &CollectiveNetwork {
        &self.net
    }
    /// HBM as a bandwidth model (peak x measured copy efficiency).
    pub fn hbm(&self) -> &BandwidthLatency {
        &self.hbm
    }
    pub fn ffn(&self) -> &FfnModel {
        &self.ffn
    }
    /// Dense peak for `dtype`.
    pub fn peak_compute(&self, dtype: DType) -> FlopRate {
        self.cfg.gpu.peak(dtype)
    }

    /// The roofline for operations other than the expert FFN: datasheet peaks, HBM at the
    /// measured copy efficiency.
    pub fn device_spec(&self) -> DeviceSpec {
        DeviceSpec {
            mem_bandwidth: self.hbm.effective_bandwidth(),
            ..self.cfg.gpu.device_spec()
        }
    }

    /// Device time of one expert's SwiGLU FFN over `tokens` tokens.
    pub fn expert_ffn_time(&self, shape: &ExpertShape, tokens: u64) -> Tick {
        self.ffn.device_time(shape, tokens)
    }

    /// A communicator of `ranks` GPUs placed contiguously (filling domains in order).
    pub fn group(&self, ranks: usize) -> Result<CommGroup> {
        if ranks > self.world_size() {
            return Err(Error::config(
                &self.cfg.name,
                "ranks",
                format!(
                    "{ranks} ranks exceed the {} GPUs of the system",
                    self.world_size()
                ),
            )
            .allowed(format!("1..={}", self.world_size())));
        }
        CommGroup::new(ranks, self.gpus_per_domain())
    }

    /// Time of one collective call.
    pub fn collective_time(
        &self,
        kind: CollectiveKind,
        group: CommGroup,
        bytes_per_rank: u64,
    ) -> Tick {
        kind.time(&self.net, group, bytes_per_rank)
    }

    /// Direct all-to-all over the first `ranks` GPUs.
    pub fn all_to_all_time(&self, ranks: usize, bytes_per_rank: u64) -> Result<Tick> {
        Ok(self.collective_time(
            CollectiveKind::DirectAllToAll,
            self.group(ranks)?,
            bytes_per_rank,
        ))
    }

    /// Per-rank times of a direct all-to-all with uneven blocks over the first `send.len()` GPUs:
    /// `send[r][d]` bytes from rank r to rank d. The call ends with the slowest rank.
    pub fn all_to_allv_times(&self, send: &[Vec<u64>]) -> Result<Vec<Tick>> {
        crate::collective::all_to_allv_times(&self.net, self.group(send.len())?, send)
    }

    /// Ring all-reduce over the first `ranks` GPUs.
    pub fn all_reduce_time(&self, ranks: usize, bytes_per_rank: u64) -> Result<Tick> {
        Ok(self.collective_time(
            CollectiveKind::RingAllReduce,
            self.group(ranks)?,
            bytes_per_rank,
        ))
    }
}
