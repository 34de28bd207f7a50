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
