//! `greenery::io::AsyncFd` on real kernel objects: pipes, an eventfd, an inotify descriptor;
//! the errors for blocking and unpollable descriptors; a cancelled wait leaves nothing parked.

use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

use greenery::io::AsyncFd;
use greenery::time::{sleep, timeout};

/// A non-blocking pipe: (read end, write end).
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just created and are owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

#[test]
fn pipe_read_waits_for_the_writer_then_sees_end_of_file() {
    greenery::run(async {
        let (r, w) = pipe();
        let reader = AsyncFd::new(r).unwrap();
        let writer = AsyncFd::new(w).unwrap();
        let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let task = greenery::spawn({
            let log = log.clone();
            async move {
                log.borrow_mut().push("writer sleeps");
                sleep(Duration::from_millis(5)).await;
                log.borrow_mut().push("writer writes");
                writer.write_all(b"through the pipe").await.unwrap();
                // dropped here: the read end sees end of file
            }
        });
        let mut buf = [0; 64];
        log.borrow_mut().push("reader waits");
        let n = reader.read(&mut buf).await.unwrap();
        log.borrow_mut().push("reader got data");
        assert_eq!(&buf[..n], b"through the pipe");
        task.await.unwrap();
        assert_eq!(reader.read(&mut buf).await.unwrap(), 0);
        assert_eq!(
            *log.borrow(),
            [
                "reader waits",
                "writer sleeps",
                "writer writes",
                "reader got data"
            ]
        );
    });
}

#[test]
fn a_full_pipe_makes_the_writer_wait_for_the_reader() {
    greenery::run(async {
        let (r, w) = pipe();
        let (reader, writer) = (AsyncFd::new(r).unwrap(), AsyncFd::new(w).unwrap());
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let expected = data.clone();
        let write = greenery::spawn(async move { writer.write_all(&data).await });
        let mut got = Vec::new();
        reader.read_to_end(&mut got).await.unwrap();
        write.await.unwrap().unwrap();
        assert_eq!(got.len(), expected.len());
        assert!(got == expected);
    });
}

#[test]
fn eventfd_counter_wakes_a_waiting_reader() {
    greenery::run(async {
        // SAFETY: eventfd has no memory preconditions; a non-negative return is a new fd.
        let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        assert!(raw >= 0);
        // SAFETY: `raw` was just created and is owned by nobody else.
        let counter = std::rc::Rc::new(AsyncFd::new(unsafe { OwnedFd::from_raw_fd(raw) }).unwrap());
        let waiter = greenery::spawn({
            let counter = counter.clone();
            async move {
                let mut value = [0; 8];
                counter.read_exact(&mut value).await.unwrap();
                u64::from_ne_bytes(value)
            }
        });
        greenery::yield_now().await; // the waiter is parked now
        counter.write_all(&3u64.to_ne_bytes()).await.unwrap();
        counter.write_all(&4u64.to_ne_bytes()).await.unwrap();
        assert_eq!(waiter.await.unwrap(), 7); // the kernel added both writes
    });
}

#[test]
fn inotify_reports_a_file_created_in_a_watched_directory() {
    let dir = std::env::temp_dir().join(format!("greenery-inotify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    greenery::run(async {
        // SAFETY: inotify_init1 has no memory preconditions; a non-negative return is a new fd.
        let raw = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        assert!(raw >= 0);
        // SAFETY: `raw` was just created and is owned by nobody else.
        let inotify = AsyncFd::new(unsafe { OwnedFd::from_raw_fd(raw) }).unwrap();
        let path = std::ffi::CString::new(dir.to_str().unwrap()).unwrap();
        // SAFETY: `path` is a NUL-terminated string that outlives the call.
        let wd = unsafe { libc::inotify_add_watch(raw, path.as_ptr(), libc::IN_CREATE) };
        assert!(wd >= 0);
        greenery::spawn({
            let dir = dir.clone();
            async move {
                sleep(Duration::from_millis(2)).await;
                std::fs::write(dir.join("hello.txt"), b"x").unwrap();
            }
        });
        let mut buf = [0u8; 4096];
        let n = inotify.read(&mut buf).await.unwrap();
        let header = std::mem::size_of::<libc::inotify_event>();
        assert!(n > header);
        // SAFETY: the kernel wrote at least one whole inotify_event at the start of `buf`;
        // read_unaligned copes with the byte array's alignment.
        let event: libc::inotify_event = unsafe { std::ptr::read_unaligned(buf.as_ptr().cast()) };
        assert_eq!(event.wd, wd);
        assert_ne!(event.mask & libc::IN_CREATE, 0);
        let name = &buf[header..header + event.len as usize];
        let name = name.split(|&b| b == 0).next().unwrap();
        assert_eq!(name, b"hello.txt");
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn blocking_and_unpollable_descriptors_are_refused_with_clear_errors() {
    greenery::run(async {
        let (r, _w) = pipe();
        // SAFETY: F_SETFL only changes the flags of a descriptor we own.
        unsafe { libc::fcntl(std::os::fd::AsRawFd::as_raw_fd(&r), libc::F_SETFL, 0) };
        let err = AsyncFd::new(r).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("O_NONBLOCK"), "{err}");

        let file = std::fs::File::open("Cargo.toml").unwrap();
        // SAFETY: F_SETFL only changes the flags of a descriptor we own.
        unsafe {
            libc::fcntl(
                std::os::fd::AsRawFd::as_raw_fd(&file),
                libc::F_SETFL,
                libc::O_NONBLOCK,
            )
        };
        let err = AsyncFd::new(file).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EPERM)); // regular files cannot be polled
    });
    let (r, _w) = pipe();
    let err = AsyncFd::new(r).unwrap_err(); // no runtime
    assert!(
        err.to_string().contains("inside a greenery runtime"),
        "{err}"
    );
}

#[test]
fn into_inner_deregisters_so_the_descriptor_can_be_registered_again() {
    greenery::run(async {
        let (r, w) = pipe();
        let r = AsyncFd::new(r).unwrap().into_inner();
        let reader = AsyncFd::new(r).unwrap();
        let writer = AsyncFd::new(w).unwrap();
        writer.write_all(b"again").await.unwrap();
        let mut buf = [0; 5];
        reader.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"again");
    });
}

#[test]
fn read_with_runs_a_custom_operation_until_it_stops_saying_would_block() {
    greenery::run(async {
        let (r, w) = pipe();
        let (reader, writer) = (AsyncFd::new(r).unwrap(), AsyncFd::new(w).unwrap());
        greenery::spawn(async move {
            sleep(Duration::from_millis(2)).await;
            writer.write_all(b"abc").await.unwrap();
        });
        let mut calls = 0;
        let mut buf = [0; 3];
        let n = reader
            .read_with(|fd| {
                calls += 1;
                // SAFETY: `buf` is valid for writes of its length.
                let n = unsafe {
                    libc::read(
                        std::os::fd::AsRawFd::as_raw_fd(fd),
                        buf.as_mut_ptr().cast(),
                        3,
                    )
                };
                if n < 0 {
                    Err(std::io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            })
            .await
            .unwrap();
        assert_eq!(n, 3);
        assert_eq!(&buf, b"abc");
        // Not ready at first: parked without trying; then one successful call.
        assert_eq!(calls, 1);
    });
}

#[test]
fn a_cancelled_read_leaves_no_waiter_behind() {
    // If the timed-out read left its waker parked, the loop would think IO is pending and
    // wait forever instead of reporting LoopExit; run it on a thread with a deadline.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = greenery::try_run(async {
            let (r, _w) = pipe();
            let reader = AsyncFd::new(r).unwrap();
            let mut buf = [0; 1];
            assert!(timeout(Duration::from_millis(5), reader.read(&mut buf))
                .await
                .is_err());
            greenery::sync::Event::new().wait().await; // nothing will ever set it
        });
        done_tx.send(result.is_err()).unwrap();
    });
    let loop_exit = done_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the loop hung: a cancelled read kept it alive");
    assert!(loop_exit);
}
