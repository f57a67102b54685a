//! Run info for green threads parked by the libc hooks (feature `patch`): a blocking std call
//! says which call and which descriptor it waits on. Run with `cargo test --features patch
//! --test run_info_patch`.
#![cfg(feature = "patch")]

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::Duration;

use greenery::green;
use greenery::runtime::{run_info, Wait};

#[test]
fn a_green_thread_in_a_hooked_call_says_which_call_and_fd() {
    greenery::monkey::patch_all();
    let rt = greenery::Builder::new().track_tasks(true).build().unwrap();
    rt.block_on(green::thread(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let fd = server.as_raw_fd();
        let reader = green::spawn(move || {
            let mut buf = [0u8; 4];
            server.read(&mut buf).unwrap() // unmodified std: the hook parks the green thread
        });
        let sleeper = green::spawn(|| std::thread::sleep(Duration::from_secs(5)));
        green::yield_now();
        let info = run_info();
        let waits: Vec<Option<Wait>> = info.tasks.iter().map(|task| task.waits_on).collect();
        assert_eq!(
            waits[1],
            Some(Wait::Hooked {
                call: "read",
                fd: Some(fd),
                remaining: None
            })
        );
        match waits[2] {
            Some(Wait::Hooked {
                call: "sleep",
                fd: None,
                remaining: Some(left),
            }) => assert!(left <= Duration::from_secs(5)),
            other => panic!("{other:?}"),
        }
        let line = info.tasks[1].to_string();
        assert!(
            line.contains(&format!(" on green thread in read on fd {fd}; spawned at ")),
            "{line}"
        );
        drop(client); // the reader sees the end of the stream
        assert_eq!(reader.join().unwrap(), 0);
        sleeper.kill();
    }));
}
