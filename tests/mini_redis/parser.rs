//! The example's request parser (`examples/mini_redis/resp.rs`), driven directly: however
//! a request is split into reads it parses the same, and it looks at each byte once.

use crate::resp::{Limits, Parser, ProtocolError};

/// Feeds `input` to a parser in chunks of the sizes `chunks` yields, dropping each request
/// once parsed, as the server does: the requests' arguments, or the first error.
fn parse_all(
    input: &[u8],
    mut chunks: impl FnMut() -> usize,
) -> (Vec<Vec<Vec<u8>>>, Option<ProtocolError>, Parser) {
    let mut parser = Parser::new(Limits::REDIS);
    let mut requests = Vec::new();
    let (mut start, mut received) = (0, 0);
    while received < input.len() {
        received = received.saturating_add(chunks()).min(input.len());
        loop {
            let pending = &input[start..received];
            match parser.parse(pending) {
                Ok(Some(len)) => {
                    let args = parser.args().iter().map(|r| pending[r.clone()].to_vec());
                    requests.push(args.collect());
                    start += len;
                }
                Ok(None) => break,
                Err(error) => return (requests, Some(error), parser),
            }
        }
    }
    (requests, None, parser)
}

fn request(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend(format!("${}\r\n", arg.len()).bytes());
        out.extend(*arg);
        out.extend(b"\r\n");
    }
    out
}

/// A small deterministic generator of chunk sizes (xorshift).
fn sizes(seed: u64, max: usize) -> impl FnMut() -> usize {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        1 + (x % max as u64) as usize
    }
}

/// The request: 600,000 one-byte arguments (4.2 MB) arriving 1,400 bytes at a time
/// (3,000 reads). A parser that starts over on every read looks at ~6 GB.
#[test]
fn a_request_arriving_slowly_is_looked_at_once() {
    let n = 600_000;
    let mut input = format!("*{}\r\n$6\r\nEXISTS\r\n", n + 1).into_bytes();
    for _ in 0..n {
        input.extend(b"$1\r\nk\r\n");
    }
    let (requests, error, parser) = parse_all(&input, || 1400);
    assert_eq!(error, None);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].len(), n + 1);
    assert!(requests[0][1..].iter().all(|arg| arg == b"k"));
    assert!(
        parser.scanned() <= input.len() as u64,
        "looked at {} bytes of a {}-byte request",
        parser.scanned(),
        input.len()
    );
}

#[test]
fn any_split_into_reads_parses_the_same() {
    let big = vec![b'v'; 100_000];
    let input = [
        request(&[b"SET", b"key", b"value"]),
        b"PING\r\n  ECHO   inline\tword \n\r\n".to_vec(),
        b"*0\r\n*-1\r\n".to_vec(),
        request(&[b"ECHO", b""]),
        request(&[b"SET", b"big", &big]),
        request(&[b"LPUSH", b"l", b"a\r\nb", b"$3\r\n"]),
        b"GET key\r\n".to_vec(),
    ]
    .concat();
    let (whole, error, parser) = parse_all(&input, || usize::MAX);
    assert_eq!(error, None);
    assert!(parser.scanned() <= input.len() as u64);
    let expected: Vec<Vec<Vec<u8>>> = [
        &[&b"SET"[..], b"key", b"value"][..],
        &[b"PING"],
        &[b"ECHO", b"inline", b"word"],
        &[],
        &[],
        &[],
        &[b"ECHO", b""],
        &[b"SET", b"big", &big],
        &[b"LPUSH", b"l", b"a\r\nb", b"$3\r\n"],
        &[b"GET", b"key"],
    ]
    .iter()
    .map(|args| args.iter().map(|a| a.to_vec()).collect())
    .collect();
    assert_eq!(whole, expected);
    let (bytewise, _, parser) = parse_all(&input, || 1);
    assert_eq!(bytewise, expected);
    assert!(parser.scanned() <= input.len() as u64);
    for seed in 1..50 {
        let (split, _, _) = parse_all(&input, sizes(seed, 3000));
        assert_eq!(split, expected, "seed {seed}");
    }
}

#[test]
fn errors_are_the_same_however_the_bytes_arrive() {
    let too_long_line = [&b"*"[..], &vec![b'1'; 70 * 1024]].concat();
    for (bad, error) in [
        (&b"*abc\r\n"[..], "invalid multibulk length"),
        (b"*1\r\n+PING\r\n", "expected '$', got '+'"),
        (b"*1\r\n$-5\r\n", "invalid bulk length"),
        (b"*1\r\n$536870913\r\n", "invalid bulk length"),
        (b"*1\r\n$4\r\nPINGxx", "expected CRLF after a bulk string"),
        (b"*1048577\r\n", "invalid multibulk length"),
        (&too_long_line, "too big mbulk count string"),
    ] {
        let input = [&request(&[b"PING"])[..], bad].concat();
        for chunk in [usize::MAX, 1, 3] {
            let (requests, found, _) = parse_all(&input, || chunk);
            assert_eq!(requests.len(), 1, "{bad:?}");
            assert_eq!(found, Some(ProtocolError(error.into())), "{bad:?}");
        }
    }
}

/// The parser tells how long a request is as soon as a bulk string's length arrives, so the
/// server can refuse one over its limit before receiving it.
#[test]
fn a_bulk_strings_length_is_known_before_its_bytes() {
    let mut parser = Parser::new(Limits::REDIS);
    assert_eq!(parser.parse(b"*2\r\n$3\r\nGET\r\n$1000000\r\n"), Ok(None));
    assert_eq!(parser.known_len(), 23 + 1_000_000 + 2);
}
