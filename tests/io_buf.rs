//! `BufReader`, `Lines` and `BufWriter` on real TCP and Unix sockets: lines reassembled from
//! odd-sized writes, delimiters across buffer boundaries, cancellation, bad UTF-8, and writes
//! that wait for `flush`.

use std::time::Duration;

use greenery::io::{BufReader, BufWriter};
use greenery::net::{TcpListener, TcpStream, UnixStream};
use greenery::time::{sleep, timeout};

#[test]
fn lines_are_reassembled_from_writes_of_any_size_over_tcp() {
    greenery::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = greenery::spawn(async move {
            let conn = TcpStream::connect(addr).await.unwrap();
            conn.set_nodelay(true).unwrap();
            let text = b"first line\r\nsecond\n\nfourth, unterminated";
            // One byte, then three, then five, ... with a pause between writes.
            let mut rest = &text[..];
            let mut size = 1;
            while !rest.is_empty() {
                let n = size.min(rest.len());
                conn.write_all(&rest[..n]).await.unwrap();
                rest = &rest[n..];
                size += 2;
                sleep(Duration::from_micros(200)).await;
            }
        });
        let (conn, _) = listener.accept().await.unwrap();
        let mut lines = BufReader::with_capacity(4, conn).lines();
        let mut got = Vec::new();
        while let Some(line) = lines.next().await {
            got.push(line.unwrap());
        }
        assert_eq!(got, ["first line", "second", "", "fourth, unterminated"]);
        client.await.unwrap();
    });
}

#[test]
fn read_until_finds_delimiters_across_buffer_refills() {
    greenery::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        b.write_all(b"aaaaaaaaaa;bb;;c").await.unwrap();
        drop(b);
        let mut reader = BufReader::with_capacity(3, a);
        let mut records = Vec::new();
        loop {
            let mut record = Vec::new();
            if reader.read_until(b';', &mut record).await.unwrap() == 0 {
                break;
            }
            records.push(String::from_utf8(record).unwrap());
        }
        assert_eq!(records, ["aaaaaaaaaa;", "bb;", ";", "c"]);
    });
}

#[test]
fn a_cancelled_next_keeps_the_partial_line() {
    greenery::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let mut lines = BufReader::new(a).lines();
        b.write_all(b"hel").await.unwrap();
        // The line is incomplete: next() times out having consumed "hel".
        assert!(timeout(Duration::from_millis(5), lines.next())
            .await
            .is_err());
        b.write_all(b"lo\nworld\n").await.unwrap();
        assert_eq!(lines.next().await.unwrap().unwrap(), "hello");
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("world"));
    });
}

#[test]
fn read_line_rejects_bad_utf8_and_leaves_the_string_alone() {
    greenery::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        b.write_all(b"ok\n\xff\xfe\nafter\n").await.unwrap();
        let mut reader = BufReader::new(&a);
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        assert_eq!(line, "ok\n");
        let err = reader.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert_eq!(line, "ok\n");
        reader.read_line(&mut line).await.unwrap();
        assert_eq!(line, "ok\nafter\n");
    });
}

#[test]
fn buffered_writes_reach_the_peer_only_on_flush() {
    greenery::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let mut writer = BufWriter::new(&a);
        writer.write_all(b"held ").await.unwrap();
        writer.write_all(b"back").await.unwrap();
        let mut buf = [0; 16];
        assert!(
            timeout(Duration::from_millis(5), b.read(&mut buf))
                .await
                .is_err(),
            "nothing is sent before flush"
        );
        writer.flush().await.unwrap();
        let n = b.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"held back"); // one write, one read
        assert!(writer.buffer().is_empty());
    });
}

#[test]
fn a_flush_larger_than_the_socket_buffer_waits_for_the_reader() {
    greenery::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let reader = greenery::spawn(async move {
            let mut all = Vec::new();
            b.read_to_end(&mut all).await.unwrap();
            all
        });
        let mut writer = BufWriter::with_capacity(1 << 20, a);
        let chunk: Vec<u8> = (0..=255).collect();
        for _ in 0..4000 {
            writer.write_all(&chunk).await.unwrap(); // ~1 MB, mostly buffered
        }
        writer.flush().await.unwrap();
        drop(writer);
        let all = reader.await.unwrap();
        assert_eq!(all.len(), 4000 * 256);
        assert!(all.chunks(256).all(|c| c == &chunk[..]));
    });
}

#[test]
fn owned_halves_read_lines_and_write_buffered_in_two_tasks() {
    greenery::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = greenery::spawn(async move {
            let (conn, _) = listener.accept().await.unwrap();
            let (read, write) = conn.into_split();
            let tx = greenery::queue::Queue::new();
            let upper = greenery::spawn({
                let tx = tx.clone();
                async move {
                    let mut lines = BufReader::new(read).lines();
                    while let Some(line) = lines.next().await {
                        tx.put(Some(line.unwrap().to_uppercase())).await.unwrap();
                    }
                    tx.put(None).await.unwrap();
                }
            });
            let mut out = BufWriter::new(write);
            while let Some(line) = tx.get().await {
                out.write_all(line.as_bytes()).await.unwrap();
                out.write_all(b"\n").await.unwrap();
            }
            out.flush().await.unwrap();
            upper.await.unwrap();
        });
        let conn = TcpStream::connect(addr).await.unwrap();
        conn.write_all(b"a\nb\nc\n").await.unwrap();
        conn.shutdown(std::net::Shutdown::Write).unwrap();
        let mut replies = BufReader::new(&conn);
        let mut reply = String::new();
        replies.read_line(&mut reply).await.unwrap();
        let mut rest = Vec::new();
        replies.read_to_end(&mut rest).await.unwrap();
        assert_eq!(reply, "A\n");
        assert_eq!(rest, b"B\nC\n");
        server.await.unwrap();
    });
}
