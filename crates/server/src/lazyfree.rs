//! Lazy free: large values are dropped on a background thread so that
//! deleting a huge collection (DEL, UNLINK, FLUSHALL ASYNC) never stalls the
//! event loop, as Redis's lazyfree does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

/// Handle to the background freeing thread.
pub struct LazyFree {
    tx: Option<Sender<Box<dyn Send>>>,
    pending: Arc<AtomicU64>,
    freed: Arc<AtomicU64>,
}

impl LazyFree {
    /// Starts the thread (once, at server start).
    /// Starts the thread, pinned to the CPUs of `cpulist` when it is set
    /// (`bio_cpulist`).
    pub fn start(cpulist: String) -> LazyFree {
        let (tx, rx) = channel::<Box<dyn Send>>();
        let pending = Arc::new(AtomicU64::new(0));
        let freed = Arc::new(AtomicU64::new(0));
        let (p, f) = (pending.clone(), freed.clone());
        let spawned = std::thread::Builder::new().name("lazyfree".into()).spawn(move || {
            crate::process::pin_thread_to(&cpulist, "bio_cpulist");
            for value in rx {
                drop(value);
                p.fetch_sub(1, Ordering::Relaxed);
                f.fetch_add(1, Ordering::Relaxed);
            }
        });
        LazyFree { tx: spawned.ok().map(|_| tx), pending, freed }
    }

    /// Drops `value` on the background thread (or here, if it is not running).
    pub fn free<T: Send + 'static>(&self, value: T) {
        match &self.tx {
            Some(tx) => {
                self.pending.fetch_add(1, Ordering::Relaxed);
                if let Err(back) = tx.send(Box::new(value)) {
                    self.pending.fetch_sub(1, Ordering::Relaxed);
                    drop(back);
                }
            }
            None => drop(value),
        }
    }

    /// Objects waiting to be freed (INFO lazyfree_pending_objects).
    pub fn pending(&self) -> u64 {
        self.pending.load(Ordering::Relaxed)
    }

    /// Objects freed so far (INFO lazyfreed_objects).
    pub fn freed(&self) -> u64 {
        self.freed.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frees_in_background() {
        let lf = LazyFree::start(String::new());
        for _ in 0..10 {
            lf.free(vec![0u8; 1 << 16]);
        }
        let t = std::time::Instant::now();
        while lf.freed() < 10 && t.elapsed().as_secs() < 5 {
            std::thread::yield_now();
        }
        assert_eq!(lf.freed(), 10);
        assert_eq!(lf.pending(), 0);
    }
}
