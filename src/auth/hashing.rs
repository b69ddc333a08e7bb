//! A bound on the password hashes in flight.
//!
//! Every argon2 hash or check takes 19 MiB and a core for its duration. Without a bound,
//! concurrent sign-ins are limited only by the blocking thread pool (hundreds of threads), so
//! a burst of them exhausts memory. Every path that hashes (signing in, creating a user,
//! changing or resetting a password) runs its hashing through one [`HashingLimit`]: at most
//! `permits` at once per server process; the excess waits a short while for a turn, then is
//! told to come back (`429` with `Retry-After`) rather than queueing without end.
//!
//! Each turn comes with a kept [`Workspace`] (argon2's 19 MiB), so hashing never allocates
//! its memory afresh: the memory hashing takes is `permits × 19 MiB`, allocated once.
//! (Allocated per hash, freed 19 MiB blocks stayed resident on the many threads that had
//! used them: a burst of 200 sign-ins grew the process by a gigabyte even with only two
//! hashes at a time.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::password::Workspace;

/// Why hashing did not run.
#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    #[error(
        "the server is busy checking other passwords; try again in {retry_after_seconds} seconds"
    )]
    Busy { retry_after_seconds: i64 },
    #[error("background task failed: {0}")]
    Blocking(String),
}

/// Shared by every worker of a server (cheap to clone).
#[derive(Clone)]
pub struct HashingLimit {
    semaphore: Arc<Semaphore>,
    /// One per permit; a turn takes one and gives it back.
    workspaces: Arc<Mutex<Vec<Workspace>>>,
    permits: usize,
    max_wait: Duration,
}

/// How long a request waits for a turn before it is answered `429`.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(2);

impl HashingLimit {
    pub fn new(permits: usize, max_wait: Duration) -> HashingLimit {
        let permits = permits.max(1);
        HashingLimit {
            semaphore: Arc::new(Semaphore::new(permits)),
            workspaces: Arc::new(Mutex::new((0..permits).map(|_| Workspace::new()).collect())),
            permits,
            max_wait,
        }
    }

    /// One hash at a time per core: hashing is CPU-bound, so more would not finish sooner,
    /// and memory stays under `cores × 19 MiB` for hashing.
    pub fn per_core() -> HashingLimit {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        HashingLimit::new(cores, DEFAULT_MAX_WAIT)
    }

    /// How many hashes may run at once.
    pub fn permits(&self) -> usize {
        self.permits
    }

    /// Runs `work` (which hashes, in the workspace it is given) off the async executor once a
    /// turn is free. The turn is held by the work itself, so it is given back only when the
    /// hashing is over, even if the request that asked for it has gone.
    pub async fn run<T, F>(&self, work: F) -> Result<T, HashingError>
    where
        F: FnOnce(&mut Workspace) -> T + Send + 'static,
        T: Send + 'static,
    {
        let busy = HashingError::Busy {
            retry_after_seconds: i64::try_from(self.max_wait.as_secs()).unwrap_or(1).max(1),
        };
        let permit =
            match tokio::time::timeout(self.max_wait, self.semaphore.clone().acquire_owned()).await
            {
                Ok(Ok(permit)) => permit,
                // The semaphore is never closed; a closed one can only mean "no turn".
                Ok(Err(_)) | Err(_) => return Err(busy),
            };
        let workspaces = self.workspaces.clone();
        actix_web::web::block(move || {
            let _turn = permit;
            // With a turn there is always a workspace free; a poisoned lock (a panic while
            // taking one) only costs a fresh workspace.
            let taken = workspaces.lock().ok().and_then(|mut free| free.pop());
            let mut workspace = taken.unwrap_or_default();
            let answer = work(&mut workspace);
            if let Ok(mut free) = workspaces.lock() {
                free.push(workspace);
            }
            answer
        })
        .await
        .map_err(|e| HashingError::Blocking(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[actix_web::test]
    async fn no_more_than_the_permits_run_at_once_and_the_excess_is_refused() {
        let limit = HashingLimit::new(2, Duration::from_millis(100));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks = (0..6).map(|_| {
            let (running, most, limit) = (running.clone(), most.clone(), limit.clone());
            async move {
                limit
                    .run(move |_| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(1500));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
            }
        });
        let results = futures_util::future::join_all(tasks).await;
        assert!(most.load(Ordering::SeqCst) <= 2);
        let ran = results.iter().filter(|r| r.is_ok()).count();
        let busy = results
            .iter()
            .filter(|r| matches!(r, Err(HashingError::Busy { .. })))
            .count();
        assert_eq!(ran, 2, "two turns, each longer than the wait");
        assert_eq!(busy, 4);
    }
}
