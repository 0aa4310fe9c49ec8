//! File syscalls at their exit: what changed a file (and watched reads).

use aya_ebpf::helpers::{bpf_get_current_task, bpf_probe_read_user_str_bytes};

use trace_ebpf_common::{
    FILE_CHDIR, FILE_CHMOD, FILE_CHOWN, FILE_OPEN, FILE_READ, FILE_RENAME, FILE_UNLINK, FileEvent,
    KIND_FILE,
};

use crate::offsets::*;

use crate::syscalls::*;
use crate::*;

pub(crate) unsafe fn file_exit(sc: u32, ret: i64, a: &[u64; 5]) -> Result<(), i32> {
    if ret < 0 {
        return Ok(()); // what did not happen changed nothing
    }
    let Some(mut entry) = EVENTS.reserve::<FileEvent>(0) else {
        dropped();
        return Ok(());
    };
    let task = unsafe { bpf_get_current_task() } as *const u8;
    let e = unsafe { &mut *entry.as_mut_ptr() };
    if unsafe { fill_task(&mut e.task, task) }.is_err() {
        entry.discard(0);
        return Ok(());
    }
    e.kind = KIND_FILE;
    e.ret = ret as i32;
    e.flags = 0;
    e.mode = 0;
    e.owner_uid = u32::MAX;
    e.owner_gid = u32::MAX;
    e.dirfd = AT_FDCWD;
    e.dirfd2 = AT_FDCWD;
    e.fd = -1;
    e.created = 0;
    e.pad = 0;
    e.path[0] = 0;
    e.path2[0] = 0;
    // (path pointer, path2 pointer)
    let (p1, p2): (u64, u64) = match sc {
        SC_OPEN | SC_OPENAT | SC_OPENAT2 if a[4] == READ_MARK => {
            e.op = FILE_READ;
            let (path, flags) = if sc == SC_OPEN {
                (a[0], a[1])
            } else {
                e.dirfd = a[0] as i32;
                (a[1], a[2])
            };
            e.flags = flags as u32;
            (path, 0)
        }
        SC_OPEN | SC_CREAT | SC_OPENAT | SC_OPENAT2 => {
            e.op = FILE_OPEN;
            let (path, flags, mode) = match sc {
                SC_OPEN => (a[0], a[1], a[2]),
                SC_CREAT => (a[0], 0o1101, a[1]), // O_CREAT | O_WRONLY | O_TRUNC
                _ => {
                    e.dirfd = a[0] as i32;
                    (a[1], a[2], a[3])
                }
            };
            e.flags = flags as u32;
            e.mode = mode as u32;
            // Did this open create the file? The new file says so in its f_mode.
            if let Ok(file) = unsafe { fd_file(task, ret as u64) } {
                let fmode: u32 = unsafe { read(file, &FILE_F_MODE_OFF).unwrap_or(0) };
                e.created = (fmode & FMODE_CREATED.load() != 0) as u32;
            }
            (path, 0)
        }
        SC_UNLINK => {
            e.op = FILE_UNLINK;
            (a[0], 0)
        }
        SC_UNLINKAT => {
            e.op = FILE_UNLINK;
            e.dirfd = a[0] as i32;
            e.flags = a[2] as u32;
            (a[1], 0)
        }
        SC_RENAME => {
            e.op = FILE_RENAME;
            (a[0], a[1])
        }
        SC_RENAMEAT | SC_RENAMEAT2 => {
            e.op = FILE_RENAME;
            e.dirfd = a[0] as i32;
            e.dirfd2 = a[2] as i32;
            if sc == SC_RENAMEAT2 {
                e.flags = a[4] as u32;
            }
            (a[1], a[3])
        }
        SC_CHMOD => {
            e.op = FILE_CHMOD;
            e.mode = a[1] as u32;
            (a[0], 0)
        }
        SC_FCHMOD => {
            e.op = FILE_CHMOD;
            e.fd = a[0] as i32;
            e.mode = a[1] as u32;
            (0, 0)
        }
        SC_FCHMODAT | SC_FCHMODAT2 => {
            e.op = FILE_CHMOD;
            e.dirfd = a[0] as i32;
            e.mode = a[2] as u32;
            if sc == SC_FCHMODAT2 {
                e.flags = a[3] as u32;
            }
            (a[1], 0)
        }
        SC_CHOWN | SC_LCHOWN => {
            e.op = FILE_CHOWN;
            e.owner_uid = a[1] as u32;
            e.owner_gid = a[2] as u32;
            (a[0], 0)
        }
        SC_FCHOWN => {
            e.op = FILE_CHOWN;
            e.fd = a[0] as i32;
            e.owner_uid = a[1] as u32;
            e.owner_gid = a[2] as u32;
            (0, 0)
        }
        SC_CHDIR => {
            e.op = FILE_CHDIR;
            (a[0], 0)
        }
        SC_FCHDIR => {
            e.op = FILE_CHDIR;
            e.fd = a[0] as i32;
            (0, 0)
        }
        SC_FCHOWNAT => {
            e.op = FILE_CHOWN;
            e.dirfd = a[0] as i32;
            e.owner_uid = a[2] as u32;
            e.owner_gid = a[3] as u32;
            e.flags = a[4] as u32;
            (a[1], 0)
        }
        _ => {
            entry.discard(0);
            return Ok(());
        }
    };
    if p1 != 0 {
        let _ = unsafe { bpf_probe_read_user_str_bytes(p1 as *const u8, &mut e.path) };
    }
    if p2 != 0 {
        let _ = unsafe { bpf_probe_read_user_str_bytes(p2 as *const u8, &mut e.path2) };
    }
    entry.submit(0);
    Ok(())
}
