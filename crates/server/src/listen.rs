//! The listening sockets: TCP ones opened at start-up from `bind` and
//! `port`, and re-opened live by `CONFIG SET port` / `CONFIG SET bind`; and
//! the Unix domain socket of `unixsocket` (with `unixsocketperm`), fixed
//! for the life of the process as in Redis.
//!
//! [`Listeners`] lives in [`Shared`](crate::state::Shared), so the CONFIG SET
//! handler re-binds synchronously and its reply says whether it worked. It
//! registers its sockets in the event loop's epoll set itself, through a
//! duplicate of the loop's epoll descriptor (a duplicate names the same
//! interest list), under the tokens `LISTENER_BASE + slot`; the loop only
//! calls [`Listeners::get`] with the slot of a listener token it was woken
//! for. A listener keeps its slot for as long as it is open, so a re-bind
//! never renumbers the sockets it keeps; a stale event for a slot closed or
//! reused during the same loop turn costs one `accept` that returns
//! `WouldBlock` (or takes a real connection from the slot's new socket).
//!
//! A re-bind is all or nothing, as in Redis: either every address is
//! listened on at the new settings, or the sockets open before are still
//! (or again) the ones open and the caller gets the error. It keeps the
//! sockets already on a wanted address and opens the new ones while the old
//! still listen; only when an address is taken by one of its own old
//! sockets on the same port (`127.0.0.1` → `*`) does it close the old ones
//! first, reopening them if the new set fails (the one gap: another process
//! taking an old address in that instant, which is logged). Connections
//! already accepted are never touched. A BGSAVE child closes its copies of
//! the listeners so the parent can re-bind their addresses while it runs.
//! The Unix socket's stale file is replaced at start-up and its file removed
//! at shutdown.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::sync::Arc;

use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollEvent, EpollFlags};

use crate::log;

/// Epoll tokens `LISTENER_BASE..LISTENER_BASE + 64` are listening sockets.
pub const LISTENER_BASE: u64 = u64::MAX - 64;
/// The epoll token of the Unix socket listener.
pub const UNIX_LISTENER_TOKEN: u64 = LISTENER_BASE - 1;
/// Listener slots: room for the largest `bind` list twice over (the old
/// sockets stay open while the new ones are opened).
const SLOTS: usize = 64;
/// Most addresses `bind` may list (Redis's `CONFIG_BINDADDR_MAX`).
pub const MAX_BIND_ADDRS: usize = 16;

/// Why the server could not listen where it was told to.
#[derive(Debug)]
#[non_exhaustive]
pub enum ListenError {
    /// A `bind` entry is neither an IP address nor `*` / `::*`.
    BadAddress(String),
    /// Creating, binding or registering the socket for this address failed.
    Listen {
        /// The address.
        addr: SocketAddr,
        /// What the kernel said.
        source: io::Error,
    },
    /// More sockets than [`Listeners`] has slots for.
    TooMany,
}

impl ListenError {
    fn addr_in_use(&self) -> bool {
        matches!(self, ListenError::Listen { source, .. } if source.kind() == io::ErrorKind::AddrInUse)
    }
}

impl fmt::Display for ListenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenError::BadAddress(a) => write!(f, "invalid bind address '{a}'"),
            ListenError::Listen { addr, source } => write!(f, "{addr}: {source}"),
            ListenError::TooMany => write!(f, "too many listening sockets"),
        }
    }
}

impl std::error::Error for ListenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ListenError::Listen { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// One `bind` entry, as Redis reads it: a leading `-` makes it optional
/// (skipped when the address does not exist on this host), `*` is every
/// IPv4 address and `::*` every IPv6 address. Names are not resolved (no DNS
/// lookup on the loop thread).
fn parse_bind(spec: &str) -> Result<(bool, IpAddr), ListenError> {
    let (optional, host) = match spec.strip_prefix('-') {
        Some(h) => (true, h),
        None => (false, spec),
    };
    let ip = match host {
        "*" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        "::*" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        h => h.parse().map_err(|_| ListenError::BadAddress(spec.to_string()))?,
    };
    Ok((optional, ip))
}

/// Whether an optional address may be skipped after this error: the address
/// or its protocol family does not exist here. A port in use is never
/// skipped.
fn skippable(e: &io::Error) -> bool {
    e.raw_os_error().is_some_and(|n| {
        [Errno::EADDRNOTAVAIL, Errno::EAFNOSUPPORT, Errno::EPROTONOSUPPORT, Errno::ESOCKTNOSUPPORT, Errno::ENOPROTOOPT]
            .contains(&Errno::from_raw(n))
    })
}

/// A non-blocking listening socket with SO_REUSEADDR (and IPV6_V6ONLY, so
/// `::` and `0.0.0.0` can both be bound on one port).
fn bind_listener(addr: SocketAddr, backlog: i64) -> io::Result<TcpListener> {
    use nix::sys::socket::{
        bind, listen, setsockopt, socket, sockopt, AddressFamily, Backlog, SockFlag, SockType, SockaddrStorage,
    };
    let family = if addr.is_ipv4() { AddressFamily::Inet } else { AddressFamily::Inet6 };
    let fd = socket(family, SockType::Stream, SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC, None)?;
    setsockopt(&fd, sockopt::ReuseAddr, &true)?;
    if addr.is_ipv6() {
        setsockopt(&fd, sockopt::Ipv6V6Only, &true)?;
    }
    bind(fd.as_raw_fd(), &SockaddrStorage::from(addr))?;
    let backlog = Backlog::new(backlog.clamp(1, i32::MAX as i64) as i32).unwrap_or(Backlog::MAXCONN);
    listen(&fd, backlog)?;
    Ok(TcpListener::from(fd))
}

/// The listening sockets, each in a fixed slot (its epoll token is
/// `LISTENER_BASE + slot`).
pub struct Listeners {
    /// A duplicate of the event loop's epoll descriptor (`None` for an
    /// in-process engine, which listens nowhere).
    epoll: Option<Epoll>,
    slots: Vec<Option<(TcpListener, SocketAddr)>>,
    /// The slots in use, in `bind` order.
    order: Vec<usize>,
    /// The bound addresses, in `bind` order.
    addrs: Vec<SocketAddr>,
    /// The Unix socket and its path.
    unix: Option<(UnixListener, Arc<str>)>,
}

impl Listeners {
    /// No sockets yet; `epoll` is the event loop's epoll set.
    pub fn new(epoll: &Epoll) -> io::Result<Listeners> {
        Ok(Listeners {
            epoll: Some(Epoll(epoll.0.try_clone()?)),
            slots: (0..SLOTS).map(|_| None).collect(),
            order: Vec::new(),
            addrs: Vec::new(),
            unix: None,
        })
    }

    /// No sockets, ever: an in-process engine's. A re-bind succeeds and
    /// opens nothing.
    pub fn none() -> Listeners {
        Listeners { epoll: None, slots: Vec::new(), order: Vec::new(), addrs: Vec::new(), unix: None }
    }

    /// Listens on the Unix socket `path` (a file left there by an earlier
    /// run is replaced), with permissions `perm` when it is not 0.
    pub fn open_unix(&mut self, path: &str, perm: u32) -> io::Result<()> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let listener = UnixListener::bind(path)?;
        listener.set_nonblocking(true)?;
        if perm != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(perm))?;
        }
        let Some(epoll) = &self.epoll else { return Ok(()) };
        epoll.add(listener.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, UNIX_LISTENER_TOKEN))?;
        self.unix = Some((listener, Arc::from(path)));
        Ok(())
    }

    /// The Unix socket listener and its path, if `unixsocket` is set.
    pub fn unix(&self) -> Option<(&UnixListener, &Arc<str>)> {
        self.unix.as_ref().map(|(l, p)| (l, p))
    }

    /// Closes the Unix socket and removes its file (at shutdown).
    pub fn remove_unix(&mut self) {
        if let Some((_, path)) = self.unix.take() {
            log!(Notice, "Removing the unix socket file.");
            if let Err(e) = std::fs::remove_file(&*path) {
                log!(Warning, "Error removing the unix socket file: {e}");
            }
        }
    }

    /// The addresses listened on, in `bind` order.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The listener in `slot` (an epoll token minus [`LISTENER_BASE`]).
    pub fn get(&self, slot: usize) -> Option<&TcpListener> {
        self.slots.get(slot)?.as_ref().map(|(l, _)| l)
    }

    /// Listens on `port` at every `bind` address instead of what is open
    /// now (port 0: nothing, TCP is off). Sockets already open on a wanted
    /// address are kept as they are, so their queued connections survive.
    ///
    /// The new sockets are opened while the old ones still listen, so there
    /// is no moment without a listener. When that fails because an address
    /// is in use and one of our own old sockets on the same port may be what
    /// holds it (`127.0.0.1:6379` becoming `*:6379`), the old sockets are
    /// closed and the new ones tried again, as Redis does; if that fails too,
    /// the old addresses are opened again. On error nothing has changed
    /// (short of an old address being taken in that instant, which is
    /// logged).
    pub fn rebind(&mut self, bind: &[String], port: u16, backlog: i64) -> Result<(), ListenError> {
        if self.epoll.is_none() {
            return Ok(());
        }
        let mut targets = Vec::new();
        if port != 0 {
            for spec in bind {
                let (optional, ip) = parse_bind(spec)?;
                targets.push((optional, SocketAddr::new(ip, port)));
            }
        }
        let first = match self.open(&targets, backlog) {
            Ok(plan) => {
                self.commit(plan);
                return Ok(());
            }
            Err(e) => e,
        };
        if !(first.addr_in_use() && self.addrs.iter().any(|a| a.port() == port)) {
            return Err(first);
        }
        let old: Vec<(bool, SocketAddr)> = self.addrs.iter().map(|a| (false, *a)).collect();
        self.commit(Vec::new());
        match self.open(&targets, backlog) {
            Ok(plan) => {
                self.commit(plan);
                Ok(())
            }
            Err(e) => {
                match self.open(&old, backlog) {
                    Ok(plan) => self.commit(plan),
                    Err(again) => log!(Warning, "Failed to listen again on the previous addresses: {again}"),
                }
                Err(e)
            }
        }
    }

    /// Closes the sockets without touching the epoll set, for a forked
    /// child: the epoll set is shared with the parent, and the parent's
    /// registrations must stay. Closing them here lets the parent re-bind
    /// their addresses while the child runs.
    pub fn close_in_child(&mut self) {
        // The file stays: the parent still listens on it.
        self.unix = None;
        self.slots.iter_mut().for_each(|s| drop(s.take()));
        self.order.clear();
        self.addrs.clear();
    }

    /// Finds or opens a socket for every target and returns their slots in
    /// order. Sockets it opened are registered in epoll; on error they are
    /// closed again and the open set is as before.
    fn open(&mut self, targets: &[(bool, SocketAddr)], backlog: i64) -> Result<Vec<usize>, ListenError> {
        let mut plan = Vec::with_capacity(targets.len());
        let mut opened = Vec::new();
        for &(optional, addr) in targets {
            let kept = self
                .order
                .iter()
                .copied()
                .find(|s| !plan.contains(s) && self.slots[*s].as_ref().is_some_and(|(_, a)| *a == addr));
            let slot = match kept {
                Some(slot) => slot,
                None => match self.open_one(addr, backlog) {
                    Ok(slot) => {
                        opened.push(slot);
                        slot
                    }
                    Err(ListenError::Listen { source, .. }) if optional && skippable(&source) => {
                        log!(Verbose, "Skipping optional bind address {addr}: {source}");
                        continue;
                    }
                    Err(e) => {
                        opened.into_iter().for_each(|s| self.close(s));
                        return Err(e);
                    }
                },
            };
            plan.push(slot);
        }
        Ok(plan)
    }

    /// Opens a socket on `addr` in a free slot and registers it in epoll.
    fn open_one(&mut self, addr: SocketAddr, backlog: i64) -> Result<usize, ListenError> {
        let failed = |source: io::Error| ListenError::Listen { addr, source };
        let slot = self.slots.iter().position(Option::is_none).ok_or(ListenError::TooMany)?;
        let sock = bind_listener(addr, backlog).map_err(failed)?;
        let bound = sock.local_addr().map_err(failed)?;
        let token = LISTENER_BASE + slot as u64;
        if let Some(epoll) = &self.epoll {
            epoll.add(sock.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, token)).map_err(|e| failed(e.into()))?;
        }
        self.slots[slot] = Some((sock, bound));
        Ok(slot)
    }

    /// Makes `plan` (from [`Self::open`]) the open set, closing every other
    /// socket.
    fn commit(&mut self, plan: Vec<usize>) {
        for slot in std::mem::take(&mut self.order) {
            if !plan.contains(&slot) {
                self.close(slot);
            }
        }
        self.addrs = plan.iter().filter_map(|s| self.slots[*s].as_ref().map(|(_, a)| *a)).collect();
        self.order = plan;
    }

    fn close(&mut self, slot: usize) {
        if let Some((sock, _)) = self.slots[slot].take() {
            if let Some(epoll) = &self.epoll {
                let _ = epoll.delete(sock.as_fd());
            }
        }
    }
}
