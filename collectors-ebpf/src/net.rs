//! Network syscalls at their exit, and TCP closes from `sock:inet_sock_set_state`.

use aya_ebpf::{
    helpers::{bpf_get_current_task, bpf_ktime_get_boot_ns},
    macros::tracepoint,
    programs::TracePointContext,
};

use trace_ebpf_common::{
    KIND_NET, NET_ACCEPT, NET_BIND, NET_CLOSE, NET_CONNECT, NET_LISTEN, NetEvent,
};

use crate::offsets::*;

use crate::syscalls::*;
use crate::*;

/// Fills the socket fields of `e` from `sk` (a `struct sock`); Err for non-IP sockets.
#[inline(always)]
pub(crate) unsafe fn sock_fields(e: &mut NetEvent, sk: *const u8) -> Result<(), i32> {
    unsafe {
        e.family = read(sk, &SKC_FAMILY_OFF)?;
        e.local_port = read(sk, &SKC_NUM_OFF)?;
        e.remote_port = u16::from_be(read(sk, &SKC_DPORT_OFF)?);
        e.local_addr = [0; 16];
        e.remote_addr = [0; 16];
        match e.family {
            AF_INET => {
                let l: [u8; 4] = read(sk, &SKC_RCV_SADDR_OFF)?;
                let r: [u8; 4] = read(sk, &SKC_DADDR_OFF)?;
                e.local_addr[..4].copy_from_slice(&l);
                e.remote_addr[..4].copy_from_slice(&r);
            }
            AF_INET6 => {
                e.local_addr = read(sk, &SKC_V6_RCV_SADDR_OFF)?;
                e.remote_addr = read(sk, &SKC_V6_DADDR_OFF)?;
            }
            _ => return Err(-1),
        }
    }
    Ok(())
}

pub(crate) unsafe fn net_exit(sc: u32, ret: i64, a: &[u64; 5]) -> Result<(), i32> {
    let (fd, op) = match sc {
        SC_CONNECT if ret == 0 || ret == -EINPROGRESS => (a[0], NET_CONNECT),
        SC_ACCEPT if ret >= 0 => (ret as u64, NET_ACCEPT),
        SC_LISTEN if ret == 0 => (a[0], NET_LISTEN),
        SC_BIND if ret == 0 => (a[0], NET_BIND),
        _ => return Ok(()),
    };
    let task = unsafe { bpf_get_current_task() } as *const u8;
    let (sk, stype) = unsafe {
        let file = fd_file(task, fd)?;
        let socket: *const u8 = read(file, &FILE_PRIVATE_DATA_OFF)?;
        let sk: *const u8 = read(socket, &SOCKET_SK_OFF)?;
        let stype: i16 = read(socket, &SOCKET_TYPE_OFF)?;
        (sk, stype as u16)
    };
    // Only IP sockets; a bind is only news for datagram sockets (TCP servers listen).
    let family: u16 = unsafe { read(sk, &SKC_FAMILY_OFF)? };
    if (family != AF_INET && family != AF_INET6) || (op == NET_BIND && stype != SOCK_DGRAM) {
        return Ok(());
    }
    let Some(mut entry) = EVENTS.reserve::<NetEvent>(0) else {
        dropped();
        return Ok(());
    };
    let e = unsafe { &mut *entry.as_mut_ptr() };
    if unsafe { fill_task(&mut e.task, task) }.is_err() || unsafe { sock_fields(e, sk) }.is_err() {
        entry.discard(0);
        return Ok(());
    }
    e.kind = KIND_NET;
    e.op = op;
    e.ret = ret as i32;
    e.sock_type = stype;
    e.role = 0;
    // Closes are TCP state changes: only stream sockets get an owner entry.
    if (op == NET_CONNECT || op == NET_ACCEPT) && stype != SOCK_DGRAM {
        let owner = Owner {
            task: e.task,
            role: op,
            pad: 0,
        };
        let _ = OWNERS.insert(sk as u64, owner, 0);
    }
    entry.submit(0);
    Ok(())
}

#[tracepoint]
pub fn sock_inet_sock_set_state(ctx: TracePointContext) -> u32 {
    let _ = unsafe { try_set_state(&ctx) };
    0
}

pub(crate) unsafe fn try_set_state(ctx: &TracePointContext) -> Result<(), i32> {
    unsafe {
        let proto: u16 = ctx.read_at(ISS_PROTOCOL_OFF.load() as usize)?;
        if proto != IPPROTO_TCP {
            return Ok(());
        }
        let old: i32 = ctx.read_at(ISS_OLDSTATE_OFF.load() as usize)?;
        let new: i32 = ctx.read_at(ISS_NEWSTATE_OFF.load() as usize)?;
        // The owner ends the connection (FIN_WAIT1 / LAST_ACK), or it is reset or fails (CLOSE).
        let closing = matches!(
            (old, new),
            (TCP_ESTABLISHED, TCP_FIN_WAIT1)
                | (TCP_CLOSE_WAIT, TCP_LAST_ACK)
                | (
                    TCP_ESTABLISHED | TCP_SYN_SENT | TCP_SYN_RECV | TCP_CLOSE_WAIT,
                    TCP_CLOSE
                )
        );
        if !closing {
            return Ok(());
        }
        let skaddr: u64 = ctx.read_at(ISS_SKADDR_OFF.load() as usize)?;
        let Some(owner) = OWNERS.get(skaddr) else {
            return Ok(()); // a socket we did not see opened (or already closed)
        };
        let owner = *owner;
        let _ = OWNERS.remove(skaddr);
        let Some(mut entry) = EVENTS.reserve::<NetEvent>(0) else {
            dropped();
            return Ok(());
        };
        let e = &mut *entry.as_mut_ptr();
        e.kind = KIND_NET;
        e.op = NET_CLOSE;
        e.task = owner.task;
        e.task.ktime_boot = bpf_ktime_get_boot_ns();
        e.ret = 0;
        e.role = owner.role;
        e.sock_type = 1;
        e.family = ctx.read_at(ISS_FAMILY_OFF.load() as usize).unwrap_or(0);
        e.local_port = ctx.read_at(ISS_SPORT_OFF.load() as usize).unwrap_or(0);
        e.remote_port = ctx.read_at(ISS_DPORT_OFF.load() as usize).unwrap_or(0);
        e.local_addr = [0; 16];
        e.remote_addr = [0; 16];
        if e.family == AF_INET6 {
            e.local_addr = ctx
                .read_at(ISS_SADDR_V6_OFF.load() as usize)
                .unwrap_or([0; 16]);
            e.remote_addr = ctx
                .read_at(ISS_DADDR_V6_OFF.load() as usize)
                .unwrap_or([0; 16]);
        } else {
            let l: [u8; 4] = ctx.read_at(ISS_SADDR_OFF.load() as usize).unwrap_or([0; 4]);
            let r: [u8; 4] = ctx.read_at(ISS_DADDR_OFF.load() as usize).unwrap_or([0; 4]);
            e.local_addr[..4].copy_from_slice(&l);
            e.remote_addr[..4].copy_from_slice(&r);
        }
        entry.submit(0);
    }
    Ok(())
}
