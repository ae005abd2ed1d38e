//! Finality of headers on a validator chain (PROTOCOL §12): a header carrying its own finality
//! certificate is final; one the engine finalized through a descendant (a later view was
//! finalized first) carries no certificate of its own and is final once a header with its own
//! certificate descends from it by parent hashes.

use crate::{Error, Header, Result, Trust};

/// What a header's own check says about its finality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finality {
    /// Final by itself: signed and (on a validator chain) certified.
    Final,
    /// Signed by a validator, final only through a certified descendant: hold it until one
    /// links to it ([`verify_run`]).
    AwaitsDescendant,
}

impl Header {
    /// Whether this header carries a certificate for itself (not for a descendant).
    pub fn has_own_certificate(&self) -> bool {
        self.certificate
            .as_ref()
            .is_some_and(|c| c.payload == self.hash())
    }

    /// Checks this header alone: with a producer key, as [`Header::verify`]; with a validator
    /// set, its signature by a validator and, when it carries its own certificate, that
    /// certificate ([`Finality::Final`]); otherwise it awaits a certified descendant.
    ///
    /// # Errors
    /// As [`Header::verify`]: a bad signature or signer, a malformed field, a certificate for
    /// this header that is refused.
    pub fn verify_or_defer(&self, trust: &Trust) -> Result<Finality> {
        if trust.validators().is_none() || self.has_own_certificate() {
            self.verify(trust)?;
            Ok(Finality::Final)
        } else {
            self.verify_signed(trust)?;
            Ok(Finality::AwaitsDescendant)
        }
    }
}

/// Verifies `headers`, consecutive and ascending, against `trust` and returns how many from
/// the start are final: every header up to the last one that is final by itself
/// ([`Header::verify_or_defer`]). Headers after it await a certified descendant not in the run
/// (not an error: ask again from the first of them later).
///
/// # Errors
/// The first refusal of [`Header::verify_or_defer`], or [`Error::BrokenLink`] where a header
/// does not follow the one before ([`Header::follows`]).
pub fn verify_run(headers: &[Header], trust: &Trust) -> Result<usize> {
    let mut last_final = 0;
    for (i, header) in headers.iter().enumerate() {
        if let Some(parent) = i.checked_sub(1).map(|p| &headers[p]) {
            if !header.follows(parent) {
                return Err(Error::BrokenLink {
                    height: header.height(),
                });
            }
        }
        if header.verify_or_defer(trust)? == Finality::Final {
            last_final = i + 1;
        }
    }
    Ok(last_final)
}
