//! Which of the monitor's threads come first. The event loop (keys, frames) does; decoding and
//! compressing bodies are background work, done on threads that run at a lower scheduling
//! priority, so that on a busy machine a key does not wait behind them for a core (issue 16: keys
//! stay responsive while 50,000 events a second are stored). Background work still gets every core
//! that nothing more urgent wants. The journal's writer keeps the default priority: it is what
//! limits how many events a second are stored, and lowered it stored 10-15 % fewer when more
//! arrived than it kept up with, without making keys faster (BENCHMARKS.md). `tail` and the other
//! commands have no screen to keep responsive and leave every thread as it is.
//!
//! On Linux a thread's nice value is its own (setpriority(2), "BUGS"); elsewhere it would be the
//! whole process's, so there nothing is changed.
//!
//! [`InOrder`] hands work to the pool and takes it back in the order it was handed over (`tail`'s
//! judging, the monitor's decoding).

use std::collections::VecDeque;

use tokio::sync::oneshot;

/// The nice value of background threads (0 is the default, 19 the lowest priority): enough for
/// the scheduler to let the event loop run first whenever it is ready.
pub const BACKGROUND_NICE: i32 = 10;

/// Lowers the calling thread's priority to [`BACKGROUND_NICE`] (Linux; nothing elsewhere).
/// A thread already nicer than that is left as it is. Failing is harmless: the thread runs on at
/// the priority it had.
pub fn background() {
    #[cfg(target_os = "linux")]
    {
        let now = rustix::process::getpriority_process(None).unwrap_or(0);
        if now < BACKGROUND_NICE
            && let Err(e) = rustix::process::setpriority_process(None, BACKGROUND_NICE)
        {
            tracing::debug!("cannot lower a background thread's priority: {e}");
        }
    }
}

/// Starts the pool that decodes and compresses on every core (rayon's global pool) with its
/// threads in the background. Call before anything uses the pool; when it is running already
/// (a test that used it first), it is left as it is.
pub fn start_background_pool() {
    if let Err(e) = background_pool().build_global() {
        tracing::debug!("the work pool was started already: {e}");
    }
}

fn background_pool() -> rayon::ThreadPoolBuilder {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("zdwatch-work-{i}"))
        .start_handler(|_| background())
}

/// Pieces of work handed to the pool and taken back in the order they were handed over, each
/// with a tag that stays here (what acknowledges its messages). Several are worked on at once, so
/// that when one ends the next is there to take up every core.
pub struct InOrder<K, T> {
    pending: VecDeque<(K, oneshot::Receiver<T>)>,
}

/// A piece of work that panicked (a bug); its tag comes back with this.
#[derive(Debug)]
pub struct Panicked;

impl<K, T: Send + 'static> InOrder<K, T> {
    pub fn new() -> InOrder<K, T> {
        InOrder {
            pending: VecDeque::new(),
        }
    }

    /// How many pieces were handed over and not taken back.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Starts `work` on the pool and returns at once. A panic in it is caught (rayon would abort
    /// the process) and reported by [`InOrder::next`].
    pub fn push(&mut self, tag: K, work: impl FnOnce() -> T + Send + 'static) {
        let (done, result) = oneshot::channel();
        rayon::spawn(move || {
            if let Ok(t) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
                let _ = done.send(t);
            }
        });
        self.pending.push_back((tag, result));
    }

    /// The oldest piece handed over, once it is done, with its tag; never, when there is none.
    /// Cancel-safe: a piece is taken off only when it is returned.
    pub async fn next(&mut self) -> (K, Result<T, Panicked>) {
        let Some((_, front)) = self.pending.front_mut() else {
            return std::future::pending().await;
        };
        let result = front.await.map_err(|_| Panicked);
        match self.pending.pop_front() {
            Some((tag, _)) => (tag, result),
            None => std::future::pending().await,
        }
    }

    /// The tags of the pieces not taken back (their results are dropped when they come).
    pub fn abandon(self) -> impl Iterator<Item = K> {
        self.pending.into_iter().map(|(tag, _)| tag)
    }
}

impl<K, T: Send + 'static> Default for InOrder<K, T> {
    fn default() -> Self {
        InOrder::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn only_the_thread_that_asks_goes_to_the_background() {
        let before = rustix::process::getpriority_process(None).unwrap_or(0);
        let inside = std::thread::spawn(|| {
            background();
            rustix::process::getpriority_process(None).unwrap_or(0)
        })
        .join()
        .unwrap_or(0);
        assert_eq!(inside, BACKGROUND_NICE.max(before));
        assert_eq!(
            rustix::process::getpriority_process(None).unwrap_or(-1),
            before,
            "the calling thread keeps its priority"
        );
    }

    /// Pieces come back in the order handed over, whichever ends first; one that panics comes
    /// back as such, with its tag, and the others after it still do; abandoned ones give back
    /// their tags.
    #[test]
    fn work_comes_back_in_the_order_handed_over_panics_included() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async {
            let mut work: InOrder<usize, usize> = InOrder::new();
            // The first waits for the last to have run: it ends last.
            let (last_ran, wait) = std::sync::mpsc::channel::<()>();
            work.push(0, move || {
                let _ = wait.recv_timeout(std::time::Duration::from_secs(30));
                0
            });
            work.push(1, || panic!("a bug"));
            work.push(2, move || {
                let _ = last_ran.send(());
                20
            });
            assert_eq!(work.len(), 3);
            let mut got = Vec::new();
            while !work.is_empty() {
                let (tag, result) = work.next().await;
                got.push((tag, result.ok()));
            }
            assert_eq!(got, [(0, Some(0)), (1, None), (2, Some(20))]);

            work.push(3, || 3);
            work.push(4, || 4);
            assert_eq!(work.abandon().collect::<Vec<_>>(), [3, 4]);
        });
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_work_pool_runs_in_the_background() {
        // A pool of its own, built as the global one is: another test may have started that.
        let pool = background_pool()
            .num_threads(2)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let seen = pool.broadcast(|_| rustix::process::getpriority_process(None).unwrap_or(0));
        assert!(!seen.is_empty());
        assert!(
            seen.iter().all(|&n| n >= BACKGROUND_NICE),
            "pool threads' nice values: {seen:?}"
        );
    }
}
