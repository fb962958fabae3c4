//! Process semantics through the runtime API: message order and copying, selective
//! receive, links and exit signals (trap_exit, normal, kill/killed), monitors, receive
//! timeouts on a manual clock, reduction-budget fairness, and GC with roots in X
//! registers, the mailbox and the dictionary. Expected behaviour is OTP's as documented
//! for erlang:exit/2, link/1, monitor/2 and `receive ... after`.

mod common;

use beam_runtime::atom;
use beam_runtime::construct;
use beam_runtime::heap::Fragment;
use beam_runtime::process::{Pid, CONTEXT_REDS};
use beam_runtime::scheduler::{Ctx, Idle, Scheduler, SpawnOpts, Step};
use beam_runtime::term::Term;
use common::{decode, Val};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

type Log = Arc<Mutex<Vec<Val>>>;

fn val(t: Term) -> Val {
    decode(t, &mut BTreeSet::new())
}

fn small(v: i64) -> Term {
    Term::small(v).unwrap()
}

/// A body that logs every message it receives and exits after `n` of them.
fn logger(
    log: Log,
    n: usize,
) -> impl FnMut(&mut Ctx<'_>) -> Result<Step, beam_runtime::process::ProcError> {
    let mut seen = 0;
    move |cx| {
        while let Some(m) = cx.take_message(0) {
            log.lock().unwrap().push(val(m));
            seen += 1;
            if seen == n {
                return Ok(Step::Exit(atom::NORMAL));
            }
        }
        Ok(Step::Wait {
            live: 0,
            after: None,
        })
    }
}

#[test]
fn messages_arrive_in_order_and_are_copies() {
    let mut s = Scheduler::new().unwrap();
    let log = Log::default();
    let p = s.spawn(logger(log.clone(), 3), &[]).unwrap();
    let mut f = Fragment::new(64).unwrap();
    let l = construct::list(&mut f, &[small(1), small(2)]).unwrap();
    let t = construct::tuple(&mut f, &[atom::OK, l, small(-5)]).unwrap();
    let fl = construct::float(&mut f, 2.5).unwrap();
    s.send(p, small(7)).unwrap();
    s.send(p, t).unwrap();
    s.send(p, fl).unwrap();
    let expect = vec![val(small(7)), val(t), val(fl)];
    drop(f); // the sender's copy is gone: the process must hold its own.
    assert_eq!(s.run().unwrap(), Idle::Empty);
    assert_eq!(*log.lock().unwrap(), expect);
    assert!(!s.is_alive(p));
    assert!(s.errors().is_empty());
}

#[test]
fn selective_receive_leaves_other_messages_queued() {
    let mut s = Scheduler::new().unwrap();
    let log = Log::default();
    let l2 = log.clone();
    let mut got_b = false;
    let p = s
        .spawn(
            move |cx: &mut Ctx<'_>| {
                if !got_b {
                    let i = (0..cx.message_count()).find(|&i| cx.message(i) == Some(atom::TRUE));
                    match i {
                        Some(i) => {
                            let m = cx.take_message(i).unwrap();
                            l2.lock().unwrap().push(val(m));
                            got_b = true;
                        }
                        None => {
                            return Ok(Step::Wait {
                                live: 0,
                                after: None,
                            })
                        }
                    }
                }
                let m = cx.take_message(0).unwrap();
                l2.lock().unwrap().push(val(m));
                Ok(Step::Exit(atom::NORMAL))
            },
            &[],
        )
        .unwrap();
    s.send(p, atom::FALSE).unwrap();
    assert_eq!(s.run().unwrap(), Idle::Blocked);
    assert_eq!(s.process(p).unwrap().mailbox().len(), 1);
    s.send(p, atom::TRUE).unwrap();
    assert_eq!(s.run().unwrap(), Idle::Empty);
    assert_eq!(
        *log.lock().unwrap(),
        vec![val(atom::TRUE), val(atom::FALSE)]
    );
}

/// Waits forever for messages and never exits on its own.
fn sleeper(cx: &mut Ctx<'_>) -> Result<Step, beam_runtime::process::ProcError> {
    while cx.take_message(0).is_some() {}
    Ok(Step::Wait {
        live: 0,
        after: None,
    })
}

#[test]
fn abnormal_exit_propagates_through_links_and_trap_exit_turns_it_into_a_message() {
    let mut s = Scheduler::new().unwrap();
    let log = Log::default();
    let boom = atom::intern("boom").unwrap();
    // T traps exits and logs messages; A, B sleep; C exits with `boom`. Links: T-A-B-C.
    let l2 = log.clone();
    let t = s
        .spawn(
            move |cx: &mut Ctx<'_>| {
                cx.set_trap_exit(true);
                while let Some(m) = cx.take_message(0) {
                    l2.lock().unwrap().push(val(m));
                }
                Ok(Step::Wait {
                    live: 0,
                    after: None,
                })
            },
            &[],
        )
        .unwrap();
    s.run().unwrap();
    let link_to = |other: Pid| {
        let mut done = false;
        move |cx: &mut Ctx<'_>| {
            if !done {
                cx.link(other)?;
                done = true;
            }
            sleeper(cx)
        }
    };
    // A links T, B links A.
    let a = s.spawn(link_to(t), &[]).unwrap();
    let b = s.spawn(link_to(a), &[]).unwrap();
    s.run().unwrap();
    let mut linked = false;
    let c = s
        .spawn(
            move |cx: &mut Ctx<'_>| {
                if !linked {
                    cx.link(b)?;
                    linked = true;
                    return Ok(Step::Yield { live: 0 });
                }
                Ok(Step::Exit(boom))
            },
            &[],
        )
        .unwrap();
    s.run().unwrap();
    assert!(!s.is_alive(c) && !s.is_alive(b) && !s.is_alive(a));
    assert!(s.is_alive(t));
    let expect = Val::Tuple(vec![val(atom::EXIT), val(a.term()), val(boom)]);
    assert_eq!(*log.lock().unwrap(), vec![expect]);
    assert!(s.process(t).unwrap().links().is_empty());
}

#[test]
fn normal_exit_does_not_kill_links_and_kill_is_untrappable() {
    let mut s = Scheduler::new().unwrap();
    let a = s.spawn(sleeper, &[]).unwrap();
    let mut started = false;
    let b = s
        .spawn(
            move |cx: &mut Ctx<'_>| {
                if !started {
                    cx.link(a)?;
                    started = true;
                    return Ok(Step::Yield { live: 0 });
                }
                Ok(Step::Exit(atom::NORMAL))
            },
            &[],
        )
        .unwrap();
    s.run().unwrap();
    assert!(!s.is_alive(b));
    assert!(s.is_alive(a), "normal exit must not kill a linked process");
    assert!(s.process(a).unwrap().links().is_empty());

    // A trapping process is still killed by `kill`, with reason `killed`, which its
    // monitor sees.
    let log = Log::default();
    let t = s
        .spawn(
            |cx: &mut Ctx<'_>| {
                cx.set_trap_exit(true);
                sleeper(cx)
            },
            &[],
        )
        .unwrap();
    let l2 = log.clone();
    let mut mon = None;
    let m = s
        .spawn(
            move |cx: &mut Ctx<'_>| {
                if mon.is_none() {
                    mon = Some(cx.monitor(t)?);
                }
                while let Some(msg) = cx.take_message(0) {
                    l2.lock().unwrap().push(val(msg));
                }
                Ok(Step::Wait {
                    live: 0,
                    after: None,
                })
            },
            &[],
        )
        .unwrap();
    s.run().unwrap();
    // Normal and trappable exit signals do not end T.
    s.exit(a, t, atom::NORMAL).unwrap();
    s.run().unwrap();
    assert!(s.is_alive(t));
    s.exit(a, t, atom::KILL).unwrap();
    s.run().unwrap();
    assert!(!s.is_alive(t));
    let got = log.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let Val::Tuple(f) = &got[0] else {
        panic!("not a tuple: {got:?}")
    };
    assert_eq!(f[0], val(atom::DOWN));
    assert!(matches!(f[1], Val::Ref(_)));
    assert_eq!(
        f[2..],
        [val(atom::PROCESS), val(t.term()), val(atom::KILLED)]
    );
    assert!(s.is_alive(m));
}

#[test]
fn monitoring_a_dead_process_gives_noproc_and_linking_kills() {
    let mut s = Scheduler::new().unwrap();
    let dead = s
        .spawn(|_: &mut Ctx<'_>| Ok(Step::Exit(atom::NORMAL)), &[])
        .unwrap();
    s.run().unwrap();
    let log = Log::default();
    let l2 = log.clone();
    let w = s
        .spawn(
            move |cx: &mut Ctx<'_>| {
                cx.monitor(dead)?;
                let m = cx.take_message(0).expect("DOWN at once");
                l2.lock().unwrap().push(val(m));
                cx.link(dead)?;
                assert!(cx.exiting());
                Ok(Step::Yield { live: 0 })
            },
            &[],
        )
        .unwrap();
    s.run().unwrap();
    let got = log.lock().unwrap().clone();
    let Val::Tuple(f) = &got[0] else {
        panic!("{got:?}")
    };
    assert_eq!(f[4], val(atom::NOPROC));
    assert!(!s.is_alive(w), "link to a dead process sends noproc");
    // A message to a dead pid reaches no one: the next process takes the next slot, as
    // in erl (a slot comes back only once the table has been used up, with a new
    // serial: runtime/src/ptable.rs's unit test).
    let fresh = s.spawn(sleeper, &[]).unwrap();
    assert_eq!(fresh.number(), w.number() + 1);
    s.send(w, atom::OK).unwrap();
    assert_eq!(s.process(fresh).unwrap().mailbox().len(), 0);
}

#[test]
fn receive_after_times_out_on_the_manual_clock_and_a_message_cancels_it() {
    let mut s = Scheduler::with_manual_clock().unwrap();
    let log = Log::default();
    let l2 = log.clone();
    let p = s
        .spawn(
            move |cx: &mut Ctx<'_>| {
                if let Some(m) = cx.take_message(0) {
                    l2.lock().unwrap().push(val(m));
                } else if cx.timed_out() {
                    l2.lock().unwrap().push(val(atom::TIMEOUT));
                }
                Ok(Step::Wait {
                    live: 0,
                    after: Some(100),
                })
            },
            &[],
        )
        .unwrap();
    assert_eq!(s.run().unwrap(), Idle::Timer(100));
    s.advance(99);
    assert_eq!(s.run().unwrap(), Idle::Timer(100));
    assert!(log.lock().unwrap().is_empty());
    s.advance(1);
    s.run().unwrap();
    assert_eq!(*log.lock().unwrap(), vec![val(atom::TIMEOUT)]);
    // Re-armed at 100 + 100 = 200. A message at 150 cancels it; the new wait re-arms
    // at 250, and the cancelled entry neither fires nor keeps the scheduler waiting.
    s.advance(50);
    s.send(p, atom::OK).unwrap();
    assert_eq!(s.run().unwrap(), Idle::Timer(250));
    s.advance(50);
    s.run().unwrap();
    assert_eq!(
        log.lock().unwrap().len(),
        2,
        "cancelled timer must not fire"
    );
    s.advance(50);
    s.run().unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        vec![val(atom::TIMEOUT), val(atom::OK), val(atom::TIMEOUT)]
    );
    assert_eq!(s.stats().timeouts, 2);
}

#[test]
fn slices_are_bounded_by_the_reduction_budget_and_round_robin() {
    let mut s = Scheduler::new().unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    for id in 0..3 {
        let o = order.clone();
        let mut slices = 0;
        s.spawn(
            move |cx: &mut Ctx<'_>| {
                assert_eq!(cx.reductions_left(), CONTEXT_REDS);
                let mut n = 0;
                while cx.consume(1) {
                    n += 1;
                }
                assert_eq!(n, CONTEXT_REDS - 1);
                o.lock().unwrap().push(id);
                slices += 1;
                Ok(if slices == 3 {
                    Step::Exit(atom::NORMAL)
                } else {
                    Step::Yield { live: 0 }
                })
            },
            &[],
        )
        .unwrap();
    }
    s.run().unwrap();
    assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 0, 1, 2, 0, 1, 2]);
    assert_eq!(s.stats().reductions, 9 * CONTEXT_REDS as u64);
}

#[test]
fn gc_keeps_x_registers_mailbox_and_dictionary_alive() {
    let mut s = Scheduler::new().unwrap();
    let log = Log::default();
    let l2 = log.clone();
    let key = atom::intern("acc").unwrap();
    let eq = |a: Term, b: Term| a == b;
    let p = s
        .spawn(
            move |cx: &mut Ctx<'_>| {
                cx.heap().gc_stress = true;
                // x0 = the list built so far (an argument at first).
                while let Some(m) = cx.take_message(0) {
                    cx.set_x(1, m)?;
                    if m == atom::OK {
                        let acc = cx.x(0)?;
                        l2.lock().unwrap().push(val(acc));
                        let d = cx.get(key, &eq).unwrap();
                        l2.lock().unwrap().push(val(d));
                        return Ok(Step::Exit(atom::NORMAL));
                    }
                    cx.test_heap(6, 2)?;
                    let (acc, m) = (cx.x(0)?, cx.x(1)?);
                    let pair = construct::tuple(cx.heap(), &[m, m])?;
                    let acc = construct::cons(cx.heap(), pair, acc)?;
                    cx.set_x(0, acc)?;
                    // The dictionary keeps the newest message, boxed in a 1-tuple.
                    cx.test_heap(2, 1)?;
                    let last = construct::head(cx.x(0)?).unwrap();
                    let boxed = construct::tuple(cx.heap(), &[last])?;
                    cx.put(key, boxed, &eq);
                }
                Ok(Step::Wait {
                    live: 1,
                    after: None,
                })
            },
            &[Term::NIL],
        )
        .unwrap();
    let mut f = Fragment::new(4096).unwrap();
    let mut sent = Vec::new();
    for i in 0..40 {
        let bin = beam_runtime::binary::new_binary(&mut f, &[i as u8; 70]).unwrap();
        let t = construct::tuple(&mut f, &[small(i), bin]).unwrap();
        sent.push(val(t));
        s.send(p, t).unwrap();
        if i % 7 == 0 {
            s.run().unwrap();
        }
    }
    s.send(p, atom::OK).unwrap();
    s.run().unwrap();
    let got = log.lock().unwrap().clone();
    let expect_list = Val::List(
        sent.iter()
            .rev()
            .map(|v| Val::Tuple(vec![v.clone(), v.clone()]))
            .collect(),
        Box::new(val(Term::NIL)),
    );
    assert_eq!(got[0], expect_list);
    let last = sent.last().unwrap().clone();
    assert_eq!(
        got[1],
        Val::Tuple(vec![Val::Tuple(vec![last.clone(), last])])
    );
    assert!(s.errors().is_empty(), "{:?}", s.errors());
}

#[test]
fn spawn_link_and_errors_become_exit_reasons() {
    let mut s = Scheduler::new().unwrap();
    let log = Log::default();
    let l2 = log.clone();
    let mut child = None;
    s.spawn(
        move |cx: &mut Ctx<'_>| {
            if child.is_none() {
                cx.set_trap_exit(true);
                // The child fails with a runtime error: sending to a non-pid.
                let (c, _) = cx.spawn(
                    |cx: &mut Ctx<'_>| {
                        cx.send(atom::OK, atom::OK)?;
                        Ok(Step::Exit(atom::NORMAL))
                    },
                    &[],
                    SpawnOpts {
                        link: true,
                        ..SpawnOpts::default()
                    },
                )?;
                child = Some(c);
            }
            match cx.take_message(0) {
                Some(m) => {
                    l2.lock().unwrap().push(val(m));
                    Ok(Step::Exit(atom::NORMAL))
                }
                None => Ok(Step::Wait {
                    live: 0,
                    after: None,
                }),
            }
        },
        &[],
    )
    .unwrap();
    s.run().unwrap();
    let got = log.lock().unwrap().clone();
    let Val::Tuple(f) = &got[0] else {
        panic!("{got:?}")
    };
    assert_eq!((&f[0], &f[2]), (&val(atom::EXIT), &val(atom::BADARG)));
    assert_eq!(s.errors().len(), 1);
}
