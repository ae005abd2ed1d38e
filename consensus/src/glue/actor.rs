//! The glue's actor: one task that answers the engine (propose, verify, broadcast, report),
//! holds the blocks not yet final, fetches missing ones from peers, and hands finalized blocks
//! to the [`Chain`] in height order.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    time::Duration,
};

use commonware_codec::Encode as _;
use commonware_consensus::{simplex::types::Activity, simplex::Plan, types::View, Viewable as _};
use commonware_cryptography::ed25519;
use commonware_macros::select_loop;
use commonware_p2p::{Receiver, Recipients, Sender};
use commonware_runtime::{spawn_cell, Clock, ContextCell, Handle, Spawner};
use commonware_utils::channel::{fallible::OneshotExt as _, mpsc, oneshot};
use tracing::{debug, warn};
use weft_types::{encoding::layout::Digest32, FinalityCertificate};

use super::{wire::BlockMessage, EngineContext, Mailbox, Message};
use crate::{
    chain::{BlockId, Chain, Fault, Unready, Verdict},
    scheme::{from_engine, to_certificate, to_engine, Digest},
};

/// Most blocks held that are not final yet (proposals of recent views, fetched ancestors);
/// the oldest is dropped beyond it.
pub const MAX_HELD_BLOCKS: usize = 256;
/// Most verify and propose requests waiting for a block at once (the engine asks for a few
/// views ahead at most).
pub const MAX_WAITING: usize = 256;
/// How often missing blocks are asked for again.
pub const FETCH_RETRY: Duration = Duration::from_millis(500);

struct Held {
    id: BlockId,
    bytes: Vec<u8>,
}

struct WaitingVerify {
    parent: Digest32,
    payload: Digest32,
    response: oneshot::Sender<bool>,
}

/// The glue's actor; [`Glue::new`] returns it with the engine's [`Mailbox`].
pub struct Glue<E: Clock + Spawner, C: Chain> {
    context: ContextCell<E>,
    chain_id: String,
    chain: C,
    mailbox: mpsc::UnboundedReceiver<Message>,
    held: HashMap<Digest32, Held>,
    order: VecDeque<Digest32>,
    checked: HashSet<Digest32>,
    verifies: Vec<WaitingVerify>,
    proposes: Vec<(Digest32, oneshot::Sender<Digest>)>,
    finalization: Option<FinalityCertificate>,
    wanted: HashSet<Digest32>,
    /// When a proposal waiting for the block time may be built.
    propose_at: Option<std::time::SystemTime>,
}

impl<E: Clock + Spawner, C: Chain> std::fmt::Debug for Glue<E, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Glue")
            .field("held", &self.held.len())
            .field("wanted", &self.wanted.len())
            .finish_non_exhaustive()
    }
}

impl<E: Clock + Spawner, C: Chain> Glue<E, C> {
    /// The actor for `chain` on chain `chain_id`, and the mailbox to give the engine.
    pub fn new(context: E, chain_id: &str, chain: C) -> (Self, Mailbox) {
        let (sender, mailbox) = mpsc::unbounded_channel();
        let glue = Self {
            context: ContextCell::new(context),
            chain_id: chain_id.to_owned(),
            chain,
            mailbox,
            held: HashMap::new(),
            order: VecDeque::new(),
            checked: HashSet::new(),
            verifies: Vec::new(),
            proposes: Vec::new(),
            finalization: None,
            wanted: HashSet::new(),
            propose_at: None,
        };
        (glue, Mailbox::new(sender))
    }

    /// Runs the actor with the block channel until the context stops.
    pub fn start(
        mut self,
        blocks: (
            impl Sender<PublicKey = ed25519::PublicKey>,
            impl Receiver<PublicKey = ed25519::PublicKey>,
        ),
    ) -> Handle<()> {
        spawn_cell!(self.context, self.run(blocks))
    }

    async fn run(
        mut self,
        (mut sender, mut receiver): (
            impl Sender<PublicKey = ed25519::PublicKey>,
            impl Receiver<PublicKey = ed25519::PublicKey>,
        ),
    ) {
        let mut retry = self.context.current() + FETCH_RETRY;
        select_loop! {
            self.context,
            on_stopped => {
                debug!("consensus glue stopping");
            },
            Some(message) = self.mailbox.recv() else break => {
                self.handle(message, &mut sender);
            },
            Ok((peer, bytes)) = receiver.recv() else break => {
                match BlockMessage::decode(bytes.as_ref()) {
                    Ok(BlockMessage::Block(block)) => self.accept(block),
                    Ok(BlockMessage::Request(digest)) => {
                        let block = self.held.get(&digest).map(|h| h.bytes.clone())
                            .or_else(|| self.chain.stored(&digest));
                        debug!(%peer, %digest, held = block.is_some(), "block requested");
                        if let Some(block) = block {
                            sender.send(Recipients::One(peer), BlockMessage::Block(block).encode(), false);
                        }
                    }
                    Err(reason) => warn!(%peer, reason, "bad block message"),
                }
            },
            _ = self.context.sleep_until(self.propose_at.map_or(retry, |at| at.min(retry))) => {
                if self.propose_at.is_some_and(|at| at <= self.context.current()) {
                    self.propose_at = None;
                    self.progress();
                }
                if self.context.current() < retry {
                    continue;
                }
                retry = self.context.current() + FETCH_RETRY;
                self.wanted.retain(|d| !self.held.contains_key(d));
                for digest in &self.wanted {
                    debug!(%digest, "asking peers for a block");
                    sender.send(Recipients::All, BlockMessage::Request(*digest).encode(), false);
                }
            },
        }
    }

    fn handle(
        &mut self,
        message: Message,
        sender: &mut impl Sender<PublicKey = ed25519::PublicKey>,
    ) {
        match message {
            Message::Propose { context, response } => {
                self.proposes
                    .push((from_engine(&context.parent.1), response));
                self.progress();
            }
            Message::Verify {
                context,
                payload,
                response,
            } => {
                self.verify(context, payload, response);
                self.progress();
            }
            Message::Broadcast { payload, plan } => {
                let digest = from_engine(&payload);
                let Some(block) = self
                    .held
                    .get(&digest)
                    .map(|h| h.bytes.clone())
                    .or_else(|| self.chain.stored(&digest))
                else {
                    debug!(%digest, "asked to broadcast a block not held");
                    return;
                };
                let recipients = match plan {
                    Plan::Prepare { .. } | Plan::Propose { .. } => Recipients::All,
                    Plan::Forward { recipients, .. } => recipients,
                };
                sender.send(recipients, BlockMessage::Block(block).encode(), true);
            }
            Message::Report(activity) => self.report(*activity),
        }
    }

    fn verify(&mut self, context: EngineContext, payload: Digest, response: oneshot::Sender<bool>) {
        if self.verifies.len() >= MAX_WAITING {
            warn!("too many verifications waiting; dropping the oldest");
            self.verifies.remove(0);
        }
        let payload = from_engine(&payload);
        if !self.held.contains_key(&payload) {
            self.wanted.insert(payload);
        }
        self.verifies.push(WaitingVerify {
            parent: from_engine(&context.parent.1),
            payload,
            response,
        });
    }

    fn report(&mut self, activity: Activity<crate::scheme::Scheme, Digest>) {
        let fault = |kind, signer: u32, view: View, evidence: Vec<u8>| Fault {
            kind,
            signer,
            view: view.get(),
            evidence,
        };
        use commonware_consensus::simplex::types::Attributable as _;
        let fault = match &activity {
            Activity::Finalization(finalization) => {
                let certificate = to_certificate(&self.chain_id, finalization);
                let newer = self
                    .finalization
                    .as_ref()
                    .is_none_or(|pending| pending.view < certificate.view);
                if newer && !self.chain.is_finalized(&certificate.payload) {
                    self.finalization = Some(certificate);
                    self.progress();
                }
                return;
            }
            Activity::ConflictingNotarize(e) => fault(
                "conflicting_notarize",
                e.signer().get(),
                e.view(),
                e.encode().to_vec(),
            ),
            Activity::ConflictingFinalize(e) => fault(
                "conflicting_finalize",
                e.signer().get(),
                e.view(),
                e.encode().to_vec(),
            ),
            Activity::NullifyFinalize(e) => fault(
                "nullify_finalize",
                e.signer().get(),
                e.view(),
                e.encode().to_vec(),
            ),
            _ => return,
        };
        warn!(
            kind = fault.kind,
            signer = fault.signer,
            view = fault.view,
            "validator fault"
        );
        self.chain.fault(fault);
    }

    /// A block arrived (from a peer): hold it and see what it unblocks.
    fn accept(&mut self, block: Vec<u8>) {
        match self.chain.identify(&block) {
            Ok(id) => {
                debug!(digest = %id.digest, parent = %id.parent, "block received");
                self.hold(id, block);
                self.progress();
            }
            Err(reason) => warn!(reason, "a peer sent bytes that are not a block"),
        }
    }

    fn hold(&mut self, id: BlockId, bytes: Vec<u8>) {
        if self.held.contains_key(&id.digest) || self.chain.is_finalized(&id.digest) {
            return;
        }
        if self.order.len() >= MAX_HELD_BLOCKS {
            if let Some(oldest) = self.order.pop_front() {
                self.held.remove(&oldest);
                self.checked.remove(&oldest);
            }
        }
        self.wanted.remove(&id.digest);
        self.order.push_back(id.digest);
        self.held.insert(id.digest, Held { id, bytes });
    }

    /// Answers every waiting request that can be answered now.
    fn progress(&mut self) {
        let proposes = std::mem::take(&mut self.proposes);
        for (parent, response) in proposes {
            if response.is_closed() {
                continue;
            }
            match self.chain.build(parent) {
                Ok(block) => match self.chain.identify(&block) {
                    Ok(id) => {
                        self.checked.insert(id.digest);
                        self.hold(id, block);
                        response.send_lossy(to_engine(&id.digest));
                    }
                    Err(reason) => warn!(reason, "the chain built a block it cannot identify"),
                },
                Err(Unready::MissingParent(missing)) => {
                    self.wanted.insert(missing);
                    self.proposes.push((parent, response));
                }
                Err(Unready::NotBefore(at)) => {
                    self.propose_at = Some(self.propose_at.map_or(at, |t| t.min(at)));
                    self.proposes.push((parent, response));
                }
            }
        }
        let verifies = std::mem::take(&mut self.verifies);
        for waiting in verifies {
            if waiting.response.is_closed() {
                continue;
            }
            match self.evaluate(&waiting) {
                Some(verdict) => {
                    waiting.response.send_lossy(verdict);
                }
                None => self.verifies.push(waiting),
            }
        }
        self.finalize();
    }

    /// The verdict on a proposal, or `None` while its block or an ancestor is missing.
    fn evaluate(&mut self, waiting: &WaitingVerify) -> Option<bool> {
        let held = self.held.get(&waiting.payload)?;
        if held.id.parent != waiting.parent {
            warn!(block = %waiting.payload, "proposal names another parent than its block");
            return Some(false);
        }
        self.check_held(waiting.payload)
    }

    /// Checks held block `digest`, first checking the held ancestors the chain does not know
    /// yet (a validator back from a restart holds them only once fetched). `None` while one
    /// is missing (it is asked for); `Some(false)` if it or an ancestor is invalid.
    fn check_held(&mut self, digest: Digest32) -> Option<bool> {
        let mut stack = vec![digest];
        while let Some(&top) = stack.last() {
            if self.checked.contains(&top) {
                stack.pop();
                continue;
            }
            let Some(held) = self.held.get(&top) else {
                self.wanted.insert(top);
                return None;
            };
            match self.chain.check(&held.bytes) {
                Verdict::Valid => {
                    self.checked.insert(top);
                    stack.pop();
                }
                Verdict::Invalid(reason) => {
                    warn!(block = %top, proposal = %digest, reason, "invalid block: no vote");
                    return Some(false);
                }
                Verdict::MissingParent(parent) => {
                    if stack.contains(&parent) || stack.len() > MAX_HELD_BLOCKS {
                        warn!(block = %top, "ancestry loops or is longer than the blocks held");
                        return None;
                    }
                    stack.push(parent);
                }
            }
        }
        Some(true)
    }

    /// Hands the pending finalization's block and every ancestor not final yet to the chain,
    /// oldest first, once all are held.
    fn finalize(&mut self) {
        let Some(certificate) = self.finalization.clone() else {
            return;
        };
        let tip = self.chain.last_finalized();
        let mut path = Vec::new();
        let mut cursor = certificate.payload;
        while cursor != tip {
            if self.chain.is_finalized(&cursor) {
                warn!(block = %cursor, "finalization does not descend from the last finalized block");
                self.finalization = None;
                return;
            }
            let Some(held) = self.held.get(&cursor) else {
                self.wanted.insert(cursor);
                return;
            };
            path.push(cursor);
            cursor = held.id.parent;
            if path.len() > MAX_HELD_BLOCKS {
                warn!("finalized chain longer than the blocks held; waiting for sync");
                return;
            }
        }
        for digest in path.into_iter().rev() {
            let held = self.held.remove(&digest).expect("walked above");
            self.order.retain(|d| *d != digest);
            self.checked.remove(&digest);
            self.chain.finalize(&held.bytes, &certificate);
        }
        self.finalization = None;
    }
}
