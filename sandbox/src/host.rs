//! The wasmtime host: one engine and one compiled component shared by every run, a fresh
//! instance (of the pre-initialized snapshot) per run, and hard limits on each run.
//!
//! Capabilities are denied by default: the guest sees its stdin, two capped output streams, a
//! read-only standard library at `/python`, clocks and randomness; no environment variables,
//! no arguments beyond `main.py`, no writable directory, no sockets (wasmtime-wasi denies
//! every address and name lookup unless told otherwise), and no way to start a process. Its
//! one import beyond WASI is `exit-now` (`os._exit`), which ends the run with a status.
//!
//! Instances come from wasmtime's pooling allocator: slots for linear memories, tables, core
//! instances and fiber stacks are reserved once, sized from [`SandboxConfig`], and reused, so
//! a run does not map and unmap its memory; memory images are copy-on-write either way.

use crate::outcome::{Job, RunEnd, RunOutput};
use crate::pipe::CappedPipe;
use crate::runtime::RuntimeFiles;
use crate::{Error, Limits, MAX_MEMORY_BYTES};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker, ResourceTable};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, ResourceLimiter, Store,
    StoreContextMut, UpdateDeadline,
};
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// How often the engine's epoch advances; a run overshoots its wall time by at most this much
/// (plus scheduling delay).
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Settings of a [`Sandbox`] as a whole.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where the runtime and wasmtime's compiled code are cached (see [`crate::cache_dir`]).
    pub cache_dir: PathBuf,
    /// Runs in flight at once, over every caller; more wait for a slot. Default: twice the
    /// number of cores (runs spend part of their time instantiating and blocked). It also
    /// sizes the instance pool: one slot per run in flight.
    pub max_concurrent: usize,
    /// Use wasmtime's pooling allocator for instances (default true; the environment variable
    /// `RLVR_SANDBOX_POOLING=0` turns it off). When the pool cannot be reserved the sandbox
    /// says so on its log and allocates on demand instead.
    pub pooling: bool,
    /// The largest memory limit any run will ask for: the size of each linear-memory slot in
    /// the pool. Default [`MAX_MEMORY_BYTES`] (4 GiB, all a wasm32 guest can address), so
    /// every [`Limits`] fits; the slots are virtual address space (each memory reserves 4 GiB
    /// plus guard pages in either allocator), only pages a run touches cost memory. With the
    /// pool, a run whose `Limits::memory_bytes` is larger still stops growing here (its
    /// allocation fails, an uncaught `MemoryError` makes the run `MemoryLimit`).
    pub max_memory_bytes: u64,
}

impl SandboxConfig {
    /// The default configuration under the default cache directory.
    pub fn new() -> Result<Self, Error> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let pooling = std::env::var("RLVR_SANDBOX_POOLING").map_or(true, |v| v.trim() != "0");
        Ok(SandboxConfig {
            cache_dir: crate::runtime::cache_dir()?,
            max_concurrent: cores * 2,
            pooling,
            max_memory_bytes: MAX_MEMORY_BYTES,
        })
    }
}

/// Per component instance, what the pool allows. The componentize-py 0.25.1 guest has 14 core
/// instances (CPython, its shared libraries, the WASI adapter), one linear memory and two
/// tables, the larger with 5,672 elements; the numbers below leave headroom. A guest that does
/// not fit fails the trial instance in [`Sandbox::new`], which then allocates on demand.
const POOL_CORE_INSTANCES_PER_RUN: u32 = 16;
const POOL_MEMORIES_PER_RUN: u32 = 2;
const POOL_TABLES_PER_RUN: u32 = 4;
/// Elements per table slot.
const POOL_TABLE_ELEMENTS: usize = 20_000;
/// Bytes of instance metadata (`VMContext`) per slot.
const POOL_INSTANCE_BYTES: usize = 1 << 20;

/// The pooling allocator's configuration for `config`.
fn pool_config(config: &SandboxConfig) -> PoolingAllocationConfig {
    let runs = u32::try_from(config.max_concurrent.max(1)).unwrap_or(u32::MAX);
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(runs)
        .total_core_instances(runs.saturating_mul(POOL_CORE_INSTANCES_PER_RUN))
        .total_memories(runs.saturating_mul(POOL_MEMORIES_PER_RUN))
        .total_tables(runs.saturating_mul(POOL_TABLES_PER_RUN))
        .total_stacks(runs)
        .max_memory_size(
            usize::try_from(config.max_memory_bytes.min(MAX_MEMORY_BYTES)).unwrap_or(usize::MAX),
        )
        .table_elements(POOL_TABLE_ELEMENTS)
        .max_core_instance_size(POOL_INSTANCE_BYTES)
        .max_component_instance_size(POOL_INSTANCE_BYTES)
        .max_core_instances_per_component(POOL_CORE_INSTANCES_PER_RUN)
        .max_memories_per_component(POOL_MEMORIES_PER_RUN)
        .max_tables_per_component(POOL_TABLES_PER_RUN)
        // A slot keeps no pages resident after its run: memory stays bounded by the runs in
        // flight, not by how many slots were ever used.
        .linear_memory_keep_resident(0)
        .table_keep_resident(0);
    pool
}

/// Per-run host state.
struct RunState {
    wasi: WasiCtx,
    table: ResourceTable,
    memory: MemoryLimiter,
    /// The status given to `exit-now`, once the guest called it.
    exit_now: Option<i32>,
}

impl RunState {
    /// The state of one instance: `wasi` plus the read-only standard library at `/python`,
    /// and a memory limiter at `memory_limit` bytes.
    fn new(
        mut wasi: WasiCtxBuilder,
        runtime: &RuntimeFiles,
        memory_limit: usize,
    ) -> Result<RunState, Error> {
        wasi.preopened_dir(&runtime.stdlib, "/python", FsPerms::ReadOnly)
            .map_err(|e| Error::Engine(format!("cannot mount the standard library: {e:#}")))?;
        Ok(RunState {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            memory: MemoryLimiter {
                limit: memory_limit,
                total: 0,
                hit: false,
            },
            exit_now: None,
        })
    }
}

impl WasiView for RunState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Caps the sum of the instance's linear memories and remembers whether the cap was hit.
struct MemoryLimiter {
    limit: usize,
    total: usize,
    hit: bool,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.total - current.min(self.total) + desired;
        if total > self.limit {
            self.hit = true;
            return Err(wasmtime::format_err!(
                "memory limit of {} bytes exceeded",
                self.limit
            ));
        }
        self.total = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _: usize,
        desired: usize,
        _: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

/// A counting semaphore bounding the runs in flight.
struct Slots {
    free: Mutex<usize>,
    cv: Condvar,
}

impl Slots {
    fn acquire(&self) -> SlotGuard<'_> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self.cv.wait(free).unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        SlotGuard(self)
    }
}

struct SlotGuard<'a>(&'a Slots);

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.0.cv.notify_one();
    }
}

/// The sandbox: build once (it loads or builds the runtime and compiles it, seconds to a
/// minute the first time on a machine), then [`Sandbox::run`] from any number of threads.
pub struct Sandbox {
    engine: Engine,
    pre: InstancePre<RunState>,
    run_export: ComponentExportIndex,
    runtime: RuntimeFiles,
    slots: Slots,
    ticker_stop: Arc<AtomicBool>,
    pooled: bool,
}

impl Sandbox {
    /// Load (building on first use) the runtime and compile it; `log` gets progress lines.
    pub fn new(config: &SandboxConfig, log: &dyn Fn(&str)) -> Result<Sandbox, Error> {
        let runtime = crate::runtime::ensure(&config.cache_dir, log)?;
        let wasm_err = |what: &str| {
            let what = what.to_string();
            move |e: wasmtime::Error| Error::Engine(format!("{what}: {e:#}"))
        };
        let compile = |pooling: Option<&PoolingAllocationConfig>| {
            let mut cfg = Config::new();
            cfg.epoch_interruption(true);
            cfg.cranelift_opt_level(wasmtime::OptLevel::Speed);
            let mut cache = wasmtime::CacheConfig::new();
            cache.with_directory(config.cache_dir.join("wasmtime"));
            cfg.cache(Some(
                wasmtime::Cache::new(cache).map_err(wasm_err("cache"))?,
            ));
            if let Some(pool) = pooling {
                cfg.allocation_strategy(InstanceAllocationStrategy::Pooling(pool.clone()));
            }
            let engine = Engine::new(&cfg).map_err(wasm_err("engine"))?;
            let component =
                Component::from_file(&engine, &runtime.component).map_err(wasm_err("compile"))?;
            let mut linker: Linker<RunState> = Linker::new(&engine);
            wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(wasm_err("link"))?;
            linker
                .root()
                .func_wrap("exit-now", exit_now)
                .map_err(wasm_err("link"))?;
            let pre = linker
                .instantiate_pre(&component)
                .map_err(wasm_err("link"))?;
            let run_export = component
                .get_export_index(None, "run")
                .ok_or_else(|| Error::Engine("the guest exports no `run`".into()))?;
            Ok::<_, Error>((engine, pre, run_export))
        };
        // The pool is reserved when the engine is made; a first instantiation checks that the
        // guest fits its slots. Either failing means on-demand allocation, said once.
        let pooled = if config.pooling {
            match compile(Some(&pool_config(config))).and_then(|built| {
                trial_instance(&built.0, &built.1, &runtime)?;
                Ok(built)
            }) {
                Ok(built) => Some(built),
                Err(e) => {
                    log(&format!(
                        "rlvr: the sandbox's instance pool could not be set up ({e}); \
                         allocating instances on demand instead"
                    ));
                    None
                }
            }
        } else {
            None
        };
        let is_pooled = pooled.is_some();
        let (engine, pre, run_export) = match pooled {
            Some(built) => built,
            None => compile(None)?,
        };
        let ticker_stop = Arc::new(AtomicBool::new(false));
        spawn_ticker(engine.clone(), ticker_stop.clone());
        Ok(Sandbox {
            engine,
            pre,
            run_export,
            runtime,
            slots: Slots {
                free: Mutex::new(config.max_concurrent.max(1)),
                cv: Condvar::new(),
            },
            ticker_stop,
            pooled: is_pooled,
        })
    }

    /// True when instances come from the pooling allocator (see [`SandboxConfig::pooling`]).
    pub fn pooled(&self) -> bool {
        self.pooled
    }

    /// The runtime files in use.
    pub fn runtime(&self) -> &RuntimeFiles {
        &self.runtime
    }

    /// Run one program in a fresh instance. A misbehaving program gives an [`RunEnd`]; `Err`
    /// means the host failed (it could not create the instance's context).
    pub fn run(&self, job: &Job, limits: &Limits) -> Result<RunOutput, Error> {
        let _slot = self.slots.acquire();
        let stdout = CappedPipe::new(limits.stdout_bytes);
        let stderr = CappedPipe::new(limits.stderr_bytes);
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdin(MemoryInputPipe::new(job.stdin.clone()))
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .arg("main.py")
            .allow_blocking_current_thread(true);
        let memory_limit = usize::try_from(limits.memory_bytes).unwrap_or(usize::MAX);
        let state = RunState::new(wasi, &self.runtime, memory_limit)?;
        let start = Instant::now();
        let cpu_start = thread_cpu_time();
        let deadline = start + limits.wall_time;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.memory);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if Instant::now() >= deadline {
                Ok(UpdateDeadline::Interrupt)
            } else {
                Ok(UpdateDeadline::Continue(1))
            }
        });
        let call = async {
            let instance = self.pre.instantiate_async(&mut store).await?;
            let func =
                instance.get_typed_func::<(&str,), ((i32, bool),)>(&mut store, &self.run_export)?;
            let ((status, oom),) = func.call_async(&mut store, (job.code.as_str(),)).await?;
            wasmtime::Result::Ok((status, oom))
        };
        // The timer bounds a guest blocked in a host call (a sleep, a poll); the epoch
        // callback bounds a guest computing.
        let result = wasmtime_wasi::runtime::in_tokio(async {
            tokio::time::timeout(limits.wall_time, call).await
        });
        let elapsed = start.elapsed();
        let cpu_time = thread_cpu_time()
            .zip(cpu_start)
            .map(|(end, begin)| end.saturating_sub(begin));
        let memory_hit = store.data().memory.hit;
        let exit_now = store.data().exit_now;
        drop(store);
        let outcome = match result {
            Err(_) => RunEnd::Timeout,
            Ok(Ok((_, true))) => RunEnd::MemoryLimit,
            Ok(Ok((status, false))) => RunEnd::Exited(status),
            Ok(Err(e)) => match exit_now {
                Some(code) => RunEnd::Exited(code),
                None => classify(e, memory_hit, &stdout, &stderr, deadline),
            },
        };
        Ok(RunOutput {
            outcome,
            stdout_truncated: stdout.overflowed(),
            stderr_truncated: stderr.overflowed(),
            stdout: stdout.take(),
            stderr: stderr.take(),
            elapsed,
            cpu_time,
        })
    }

    /// Run several programs in parallel (up to `parallel` at a time, and within the sandbox's
    /// concurrency limit); results come back in order.
    pub fn run_many(
        &self,
        jobs: &[Job],
        limits: &Limits,
        parallel: usize,
    ) -> Vec<Result<RunOutput, Error>> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results: Vec<Mutex<Option<Result<RunOutput, Error>>>> =
            jobs.iter().map(|_| Mutex::new(None)).collect();
        let workers = parallel.clamp(1, jobs.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(i) else { break };
                    let r = self.run(job, limits);
                    *results[i].lock().unwrap_or_else(PoisonError::into_inner) = Some(r);
                });
            }
        });
        results
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(PoisonError::into_inner)
                    .unwrap_or_else(|| Err(Error::Engine("a worker thread died".into())))
            })
            .collect()
    }
}

/// This thread's time on a core so far (Linux: the first field of
/// `/proc/thread-self/schedstat`, nanoseconds); `None` elsewhere. The guest runs on the thread
/// that calls [`Sandbox::run`], so the difference over a run is the run's CPU time.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = text.split_whitespace().next()?.parse::<u64>().ok()?;
    Some(Duration::from_nanos(ns))
}

/// The host side of the guest's `exit-now` import (`os._exit(code)`): record the status and
/// stop the instance with a trap, which [`Sandbox::run`] reports as `Exited(code)`.
fn exit_now(mut store: StoreContextMut<'_, RunState>, (code,): (i32,)) -> wasmtime::Result<()> {
    store.data_mut().exit_now = Some(code);
    Err(wasmtime::format_err!("the program called os._exit({code})"))
}

/// Instantiate the guest once, outside any run, so a pool too small for it is noticed when
/// the sandbox is made rather than on every run.
fn trial_instance(
    engine: &Engine,
    pre: &InstancePre<RunState>,
    runtime: &RuntimeFiles,
) -> Result<(), Error> {
    let state = RunState::new(WasiCtxBuilder::new(), runtime, usize::MAX)?;
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.memory);
    store.set_epoch_deadline(u64::MAX / 2);
    wasmtime_wasi::runtime::in_tokio(pre.instantiate_async(&mut store))
        .map(drop)
        .map_err(|e| Error::Engine(format!("a trial instance failed: {e:#}")))
}

/// What an error from the guest means for the run.
fn classify(
    e: wasmtime::Error,
    memory_hit: bool,
    stdout: &CappedPipe,
    stderr: &CappedPipe,
    deadline: Instant,
) -> RunEnd {
    if let Some(exit) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return RunEnd::Exited(exit.0);
    }
    if memory_hit {
        return RunEnd::MemoryLimit;
    }
    if stdout.overflowed() || stderr.overflowed() {
        return RunEnd::OutputLimit;
    }
    if e.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt)
        || Instant::now() >= deadline
    {
        return RunEnd::Timeout;
    }
    let text = format!("{e:#}");
    RunEnd::Trap(text.lines().next().unwrap_or("trap").to_string())
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::SeqCst);
    }
}

/// Advance the engine's epoch every [`EPOCH_TICK`] until `stop` is set.
fn spawn_ticker(engine: Engine, stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new()
        .name("rlvr-sandbox-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        });
    // Without a ticker, compute-bound guests would only stop at the tokio timer's next poll,
    // which needs a yield; a failed spawn is a host failure but the timer still bounds
    // blocked guests, so carry on.
    drop(spawned);
}
