//! A reader that shows every chunk it passes on to a closure: how hashes are taken on the
//! way through a streaming pipeline (MD5 of the bytes as stored, QuickXorHash of the plaintext).

use std::io::{self, Read};

pub struct Inspect<R, F> {
    inner: R,
    inspect: F,
}

impl<R: Read, F: FnMut(&[u8])> Inspect<R, F> {
    pub fn new(inner: R, inspect: F) -> Self {
        Inspect { inner, inspect }
    }
}

impl<R: Read, F: FnMut(&[u8])> Read for Inspect<R, F> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        (self.inspect)(&out[..n]);
        Ok(n)
    }
}
