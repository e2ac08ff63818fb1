//! A long computation on a worker thread, as a value the UI polls: idle, running with progress,
//! done, or failed. Cancelling flags the job; the work checks the flag between steps, and a
//! cancelled job's result is dropped. A panic inside the work (a dependency's, say) becomes a
//! failure, not a crash.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Called when a job has news for the window (egui's request_repaint).
pub type Repaint = Option<Arc<dyn Fn() + Send + Sync>>;

/// Layout and inference crates recurse deeply on big graphs: give workers room.
pub const WORKER_STACK: usize = 512 * 1024 * 1024;

/// Why a job has no result: the work's own error, or a failure of the worker around it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobFailure<E> {
    #[error("{0}")]
    Work(E),
    /// A panic inside the work (ours or a dependency's), caught.
    #[error("internal error: {0}")]
    Panicked(String),
    #[error("cannot start worker: {0}")]
    NotStarted(String),
}

#[derive(Debug, Clone, PartialEq)]
enum JobState<T, E> {
    Idle,
    Running,
    Done(T),
    Failed(JobFailure<E>),
}

/// What the window shows of a job.
#[derive(Debug, Clone, PartialEq)]
pub enum JobStatus {
    /// Never started, cancelled, or its result already taken.
    Idle,
    Running {
        progress: f32,
        stage: String,
    },
    /// A result (or failure) waits to be taken.
    Finished,
}

/// Handed to the work: report progress, see cancellation.
#[derive(Clone)]
pub struct Progress {
    shared: Arc<Shared>,
}

struct Shared {
    progress: Mutex<(f32, String)>,
    cancel: AtomicBool,
    repaint: Repaint,
}

impl Progress {
    pub fn set(&self, fraction: f32, stage: &str) {
        if let Ok(mut p) = self.shared.progress.lock() {
            *p = (fraction.clamp(0.0, 1.0), stage.to_string());
        }
        if let Some(r) = &self.shared.repaint {
            r();
        }
    }
    pub fn cancelled(&self) -> bool {
        self.shared.cancel.load(Ordering::Relaxed)
    }
    /// A progress handle not attached to any job (for running work inline, e.g. the CLI).
    pub fn detached() -> Progress {
        Progress {
            shared: Arc::new(Shared {
                progress: Mutex::new((0.0, String::new())),
                cancel: AtomicBool::new(false),
                repaint: None,
            }),
        }
    }
}

pub struct Job<T, E = String> {
    state: Arc<Mutex<JobState<T, E>>>,
    shared: Option<Arc<Shared>>,
}

impl<T, E> Default for Job<T, E> {
    fn default() -> Self {
        Job {
            state: Arc::new(Mutex::new(JobState::Idle)),
            shared: None,
        }
    }
}

impl<T: Send + 'static, E: Send + 'static> Job<T, E> {
    /// Starts `work` on a new thread. `repaint` is called when progress or the result arrives.
    pub fn spawn(
        name: &str,
        repaint: Repaint,
        work: impl FnOnce(&Progress) -> Result<T, E> + Send + 'static,
    ) -> Job<T, E> {
        let shared = Arc::new(Shared {
            progress: Mutex::new((0.0, "starting".into())),
            cancel: AtomicBool::new(false),
            repaint,
        });
        let state = Arc::new(Mutex::new(JobState::Running));
        let progress = Progress {
            shared: shared.clone(),
        };
        let out = state.clone();
        let spawned = std::thread::Builder::new()
            .name(name.to_string())
            .stack_size(WORKER_STACK)
            .spawn(move || {
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&progress)));
                let cancelled = progress.cancelled();
                let new_state = match result {
                    _ if cancelled => JobState::Idle,
                    Ok(Ok(v)) => JobState::Done(v),
                    Ok(Err(e)) => JobState::Failed(JobFailure::Work(e)),
                    Err(panic) => JobState::Failed(JobFailure::Panicked(panic_text(&panic))),
                };
                if let Ok(mut s) = out.lock() {
                    *s = new_state;
                }
                if let Some(r) = &progress.shared.repaint {
                    r();
                }
            });
        if let Err(e) = spawned {
            *state.lock().unwrap_or_else(|p| p.into_inner()) =
                JobState::Failed(JobFailure::NotStarted(e.to_string()));
        }
        Job {
            state,
            shared: Some(shared),
        }
    }
}

impl<T, E> Job<T, E> {
    /// Current status, with live progress while running. Taking a finished result leaves `Idle`.
    pub fn poll(&self) -> JobStatus {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match &*s {
            JobState::Idle => JobStatus::Idle,
            JobState::Running => {
                let (progress, stage) = self
                    .shared
                    .as_ref()
                    .and_then(|sh| sh.progress.lock().ok().map(|p| p.clone()))
                    .unwrap_or_default();
                JobStatus::Running { progress, stage }
            }
            JobState::Done(_) | JobState::Failed(_) => JobStatus::Finished,
        }
    }

    /// Running, or finished with a result not taken yet.
    pub fn is_pending(&self) -> bool {
        matches!(
            *self.state.lock().unwrap_or_else(|p| p.into_inner()),
            JobState::Running | JobState::Done(_) | JobState::Failed(_)
        )
    }

    pub fn is_running(&self) -> bool {
        matches!(
            *self.state.lock().unwrap_or_else(|p| p.into_inner()),
            JobState::Running
        )
    }

    /// Takes the result (or failure) if the job has finished.
    pub fn take(&self) -> Option<Result<T, JobFailure<E>>> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match std::mem::replace(&mut *s, JobState::Idle) {
            JobState::Done(v) => Some(Ok(v)),
            JobState::Failed(e) => Some(Err(e)),
            other => {
                *s = other;
                None
            }
        }
    }

    pub fn cancel(&self) {
        if let Some(sh) = &self.shared {
            sh.cancel.store(true, Ordering::Relaxed);
        }
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(*s, JobState::Running) {
            *s = JobState::Idle;
        }
    }

    /// Blocks until the job leaves `Running` (for tests and the CLI).
    pub fn wait(&self) {
        while self.is_running() {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
}

/// The message of a caught panic.
pub fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_failure_and_panic_are_states() {
        let ok: Job<i32> = Job::spawn("t", None, |p| {
            p.set(0.5, "half");
            Ok(41 + 1)
        });
        ok.wait();
        assert_eq!(ok.poll(), JobStatus::Finished);
        assert_eq!(ok.take(), Some(Ok(42)));
        assert_eq!(ok.poll(), JobStatus::Idle);

        let failed: Job<(), &str> = Job::spawn("t", None, |_| Err("bad file"));
        failed.wait();
        assert_eq!(failed.take(), Some(Err(JobFailure::Work("bad file"))));

        let panicked: Job<()> = Job::spawn("t", None, |_| panic!("deep inside"));
        panicked.wait();
        assert_eq!(
            panicked.take(),
            Some(Err(JobFailure::Panicked("deep inside".into())))
        );
    }

    #[test]
    fn cancel_drops_the_result() {
        let job: Job<i32> = Job::spawn("t", None, |p| {
            while !p.cancelled() {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Ok(1)
        });
        assert!(job.is_running());
        job.cancel();
        job.wait();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(job.take(), None);
    }
}
