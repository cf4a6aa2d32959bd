//! The process that stands between l2mac and a check when there is no PID namespace: it kills
//! the check's whole process tree, including what left the process group with `setsid`.
//!
//! It is made in the child between `fork` and `exec` (a `pre_exec` hook), so it may only make
//! async-signal-safe calls: no allocation, no locks, raw libc only. It marks itself a child
//! subreaper, forks again, and the grandchild goes on to `exec` the check (restricted by Landlock
//! first, when a ruleset is given). Every orphan of the check is then re-parented to the
//! supervisor, so "my children, until none are left" is the check's whole tree. When the check's
//! shell exits, or the supervisor is told to stop (SIGTERM from l2mac on timeout, or l2mac
//! dying), it SIGKILLs its children round after round until `waitpid` says there are none, and
//! exits the way the shell did.

use std::io;
use std::os::fd::RawFd;

/// Signals the supervisor waits for instead of handling them.
unsafe fn wait_set() -> libc::sigset_t {
    let mut set: libc::sigset_t = std::mem::zeroed();
    libc::sigemptyset(&mut set);
    for sig in [libc::SIGCHLD, libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        libc::sigaddset(&mut set, sig);
    }
    set
}

/// Called in the forked child. Returns `Ok(())` in the grandchild, which then execs the check;
/// the supervisor itself never returns.
///
/// # Safety
/// Only to be called between `fork` and `exec` (a `pre_exec` hook): it forks and exits.
pub(super) unsafe fn fork_supervisor(landlock_ruleset: Option<RawFd>) -> io::Result<()> {
    let set = wait_set();
    let mut old: libc::sigset_t = std::mem::zeroed();
    if libc::sigprocmask(libc::SIG_BLOCK, &set, &mut old) != 0 {
        return Err(io::Error::last_os_error());
    }
    if libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 {
        return Err(io::Error::last_os_error());
    }
    // l2mac killed outright still takes the check down with it.
    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM, 0, 0, 0);
    let main = libc::fork();
    if main < 0 {
        return Err(io::Error::last_os_error());
    }
    if main == 0 {
        libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        // Its own process group, so that the supervisor can kill the group without itself.
        libc::setpgid(0, 0);
        if let Some(fd) = landlock_ruleset {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::syscall(libc::SYS_landlock_restrict_self, fd, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        return Ok(());
    }
    supervise(main, &set)
}

unsafe fn supervise(main: libc::pid_t, set: &libc::sigset_t) -> ! {
    // Our copies of the output pipes and of std's exec-status pipe must go, or l2mac would wait
    // for them to close as long as we live.
    if libc::syscall(libc::SYS_close_range, 0u32, u32::MAX, 0u32) != 0 {
        for fd in 0..4096 {
            libc::close(fd);
        }
    }
    let mut main_status: Option<libc::c_int> = None;
    loop {
        let sig = libc::sigwaitinfo(set, std::ptr::null_mut());
        if sig == libc::SIGCHLD {
            loop {
                let mut status = 0;
                let pid = libc::waitpid(-1, &mut status, libc::WNOHANG);
                if pid <= 0 {
                    break;
                }
                if pid == main {
                    main_status = Some(status);
                }
            }
            if main_status.is_some() {
                break;
            }
        } else if sig > 0 {
            break;
        }
    }
    kill_all_children(main, &mut main_status);
    match main_status {
        Some(st) if libc::WIFEXITED(st) => libc::_exit(libc::WEXITSTATUS(st)),
        Some(st) if libc::WIFSIGNALED(st) => {
            // Die of the same signal, so l2mac sees what happened to the check.
            let sig = libc::WTERMSIG(st);
            libc::signal(sig, libc::SIG_DFL);
            let mut one: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut one);
            libc::sigaddset(&mut one, sig);
            libc::sigprocmask(libc::SIG_UNBLOCK, &one, std::ptr::null_mut());
            libc::kill(libc::getpid(), sig);
            libc::_exit(128 + sig)
        }
        _ => libc::_exit(128 + libc::SIGKILL),
    }
}

/// SIGKILLs every child, reaps one, and again, until there are none: a child killed while it
/// forked hands its own children to us, and the next round takes them.
unsafe fn kill_all_children(main: libc::pid_t, main_status: &mut Option<libc::c_int>) {
    let path = b"/proc/thread-self/children\0";
    let mut buf = [0u8; 8192];
    loop {
        let fd = libc::open(path.as_ptr().cast(), libc::O_RDONLY | libc::O_CLOEXEC);
        if fd >= 0 {
            let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
            libc::close(fd);
            let mut pid: libc::pid_t = 0;
            for &b in &buf[..usize::try_from(n).unwrap_or(0)] {
                if b.is_ascii_digit() {
                    pid = pid * 10 + libc::pid_t::from(b - b'0');
                } else {
                    if pid > 0 {
                        libc::kill(pid, libc::SIGKILL);
                    }
                    pid = 0;
                }
            }
            if pid > 0 {
                libc::kill(pid, libc::SIGKILL);
            }
        } else {
            // No children list in this kernel: the check's process group is what can be
            // reached; waiting for more could hang on an escaped process, so reap and go.
            libc::kill(-main, libc::SIGKILL);
            libc::kill(main, libc::SIGKILL);
            let mut status = 0;
            while libc::waitpid(-1, &mut status, libc::WNOHANG) > 0 {}
            return;
        }
        let mut status = 0;
        let pid = libc::waitpid(-1, &mut status, 0);
        if pid == main && main_status.is_none() {
            *main_status = Some(status);
        }
        if pid < 0 && *libc::__errno_location() != libc::EINTR {
            return;
        }
    }
}
