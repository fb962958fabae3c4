//! How a port cuts the bytes its program writes into messages: as they come (`stream`),
//! in `{packet, N}` packets (an N-byte big-endian length, then that many bytes), or in
//! `{line, L}` lines (`{eol, Line}` / `{noeol, Part}` for lines longer than L), as ERTS's
//! spawn driver does (erts/emulator/sys/unix/sys_drivers.c, `ready_input`).

/// A port's framing of its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    Stream,
    Packet(u8),
    Line(usize),
}

/// One message's worth of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// `{data, Bytes}` (stream or packet mode).
    Data(Vec<u8>),
    /// `{data, {eol, Line}}` (`true`) or `{data, {noeol, Part}}`.
    Line(bool, Vec<u8>),
}

/// Input held back until it makes a whole packet or line.
#[derive(Debug, Default)]
pub(crate) struct Framer {
    buf: Vec<u8>,
}

impl Framer {
    /// Takes `bytes` read from the program; the messages they complete.
    pub(crate) fn feed(&mut self, framing: Framing, bytes: Vec<u8>, out: &mut Vec<Piece>) {
        match framing {
            Framing::Stream => {
                if !bytes.is_empty() {
                    out.push(Piece::Data(bytes));
                }
            }
            Framing::Packet(n) => {
                self.buf.extend_from_slice(&bytes);
                let n = n as usize;
                let mut at = 0;
                while self.buf.len() - at >= n {
                    let len = self.buf[at..at + n]
                        .iter()
                        .fold(0usize, |acc, &b| (acc << 8) | b as usize);
                    if self.buf.len() - at - n < len {
                        break;
                    }
                    out.push(Piece::Data(self.buf[at + n..at + n + len].to_vec()));
                    at += n + len;
                }
                self.buf.drain(..at);
            }
            Framing::Line(max) => {
                self.buf.extend_from_slice(&bytes);
                let mut at = 0;
                loop {
                    let rest = &self.buf[at..];
                    // A newline within the first `max + 1` bytes ends a line of at most
                    // `max` bytes; otherwise `max` bytes go as a part once more are
                    // there (the next byte may be the newline that ends them).
                    match rest.iter().take(max + 1).position(|&b| b == b'\n') {
                        Some(i) => {
                            out.push(Piece::Line(true, rest[..i].to_vec()));
                            at += i + 1;
                        }
                        None if rest.len() > max => {
                            out.push(Piece::Line(false, rest[..max].to_vec()));
                            at += max;
                        }
                        None => break,
                    }
                }
                self.buf.drain(..at);
            }
        }
    }

    /// The program's output ended: a partial line goes out as `{noeol, Part}` (a partial
    /// packet is dropped, as the driver drops it).
    pub(crate) fn finish(&mut self, framing: Framing) -> Option<Piece> {
        let rest = std::mem::take(&mut self.buf);
        match framing {
            Framing::Line(_) if !rest.is_empty() => Some(Piece::Line(false, rest)),
            _ => None,
        }
    }
}

/// The bytes `port_command` writes: with `{packet, N}` the data gets its length header.
pub(crate) fn frame_output(framing: Framing, data: Vec<u8>) -> Option<Vec<u8>> {
    match framing {
        Framing::Packet(n) => {
            let n = n as usize;
            // In u64: on a 32-bit host `usize >> 32` (the 4-byte header's check)
            // overflows the shift.
            let len = data.len() as u64;
            if n < 8 && len >> (8 * n) != 0 {
                return None; // too long for the header
            }
            let mut v = Vec::with_capacity(n + data.len());
            for i in (0..n).rev() {
                v.push((len >> (8 * i)) as u8);
            }
            v.extend_from_slice(&data);
            Some(v)
        }
        _ => Some(data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(max: usize, chunks: &[&str]) -> Vec<Piece> {
        let mut f = Framer::default();
        let mut out = Vec::new();
        for c in chunks {
            f.feed(Framing::Line(max), c.as_bytes().to_vec(), &mut out);
        }
        out.extend(f.finish(Framing::Line(max)));
        out
    }

    fn l(eol: bool, s: &str) -> Piece {
        Piece::Line(eol, s.as_bytes().to_vec())
    }

    #[test]
    fn packet_headers_are_big_endian_lengths_and_refuse_what_does_not_fit() {
        // Run natively too: the 4-byte check shifted a 32-bit usize by 32 and panicked.
        let out = |n: u8, len: usize| frame_output(Framing::Packet(n), vec![7; len]);
        assert_eq!(out(4, 3).unwrap()[..4], [0, 0, 0, 3]);
        assert_eq!(out(4, 70_000).unwrap()[..4], [0, 1, 0x11, 0x70]);
        assert_eq!(out(2, 65_535).unwrap()[..2], [0xff, 0xff]);
        assert_eq!(out(2, 65_536), None);
        assert_eq!(out(1, 255).unwrap()[..1], [255]);
        assert_eq!(out(1, 256), None);
        assert_eq!(out(4, 0).unwrap(), [0, 0, 0, 0]);
    }

    #[test]
    fn lines_as_erl_cuts_them() {
        // erl: printf 'ab\ncd' with {line, 1}: noeol a, eol b, noeol c, noeol d.
        assert_eq!(
            lines(1, &["ab\ncd"]),
            [l(false, "a"), l(true, "b"), l(false, "c"), l(false, "d")]
        );
        assert_eq!(lines(10, &["ab\ncd"]), [l(true, "ab"), l(false, "cd")]);
        assert_eq!(
            lines(2, &["a", "b", "\n", "\n"]),
            [l(true, "ab"), l(true, "")]
        );
    }

    #[test]
    fn lines_do_not_depend_on_how_the_input_is_cut() {
        let text = b"one\ntwo three four\n\nfive six seven eight nine\nten";
        for max in 1..12 {
            let whole = lines(max, &[std::str::from_utf8(text).unwrap()]);
            for cut in 1..text.len() {
                let (a, b) = text.split_at(cut);
                let two = lines(
                    max,
                    &[
                        std::str::from_utf8(a).unwrap(),
                        std::str::from_utf8(b).unwrap(),
                    ],
                );
                assert_eq!(whole, two, "max {max} cut {cut}");
            }
        }
    }

    #[test]
    fn packets_round_trip_whatever_the_chunks() {
        for n in [1u8, 2, 4] {
            let msgs: Vec<Vec<u8>> = (0..20).map(|i| vec![i as u8; i * 7]).collect();
            let mut wire = Vec::new();
            for m in &msgs {
                wire.extend(frame_output(Framing::Packet(n), m.clone()).unwrap());
            }
            for step in [1, 3, 64, wire.len()] {
                let mut f = Framer::default();
                let mut out = Vec::new();
                for c in wire.chunks(step) {
                    f.feed(Framing::Packet(n), c.to_vec(), &mut out);
                }
                let want: Vec<Piece> = msgs.iter().cloned().map(Piece::Data).collect();
                assert_eq!(out, want, "packet {n} step {step}");
            }
        }
        assert_eq!(frame_output(Framing::Packet(1), vec![0; 256]), None);
    }
}
