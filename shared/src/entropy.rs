//! Where random bytes come from: invitation tokens and ids.

/// A source of unpredictable bytes.
pub trait Entropy: Send + Sync {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's generator.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, buf: &mut [u8]) {
        // The kernel's generator failing is not something a request can cause or any
        // caller could handle; carrying on with predictable tokens would be worse.
        #[allow(clippy::expect_used)]
        getrandom::fill(buf).expect("the operating system's random generator failed");
    }
}
