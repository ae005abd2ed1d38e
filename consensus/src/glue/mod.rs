//! The glue between commonware's simplex engine and a [`Chain`](crate::Chain): the engine's
//! automaton, relay and reporter are one [`Mailbox`] in front of one actor ([`actor`]) that
//! builds, disseminates, checks and finalizes blocks; blocks travel among validators on a
//! consensus-network channel of their own ([`wire`]).

pub(crate) mod actor;
pub(crate) mod wire;

use commonware_actor::Feedback;
use commonware_consensus::{
    simplex::{
        types::{Activity, Context},
        Plan,
    },
    Automaton, CertifiableAutomaton, Relay, Reporter,
};
use commonware_cryptography::ed25519;
use commonware_utils::channel::{fallible::FallibleExt as _, mpsc, oneshot};

use crate::scheme::{Digest, Scheme};

/// The engine's context for a proposal: round, leader, parent.
pub type EngineContext = Context<Digest, ed25519::PublicKey>;

/// What the engine asks of the glue.
pub(crate) enum Message {
    Propose {
        context: EngineContext,
        response: oneshot::Sender<Digest>,
    },
    Verify {
        context: EngineContext,
        payload: Digest,
        response: oneshot::Sender<bool>,
    },
    Broadcast {
        payload: Digest,
        plan: Plan<ed25519::PublicKey>,
    },
    Report(Box<Activity<Scheme, Digest>>),
}

/// The engine's handle on the glue: its automaton, relay and reporter.
#[derive(Clone, Debug)]
pub struct Mailbox {
    sender: mpsc::UnboundedSender<Message>,
}

impl Mailbox {
    pub(crate) fn new(sender: mpsc::UnboundedSender<Message>) -> Self {
        Self { sender }
    }

    fn send(&self, message: Message) -> Feedback {
        if self.sender.send_lossy(message) {
            Feedback::Ok
        } else {
            Feedback::Closed
        }
    }
}

impl Automaton for Mailbox {
    type Context = EngineContext;
    type Digest = Digest;

    async fn propose(&mut self, context: EngineContext) -> oneshot::Receiver<Digest> {
        let (response, receiver) = oneshot::channel();
        self.send(Message::Propose { context, response });
        receiver
    }

    async fn verify(&mut self, context: EngineContext, payload: Digest) -> oneshot::Receiver<bool> {
        let (response, receiver) = oneshot::channel();
        self.send(Message::Verify {
            context,
            payload,
            response,
        });
        receiver
    }
}

/// Every verified block is certifiable: a block's data was checked before the vote.
impl CertifiableAutomaton for Mailbox {}

impl Relay for Mailbox {
    type Digest = Digest;
    type PublicKey = ed25519::PublicKey;
    type Plan = Plan<ed25519::PublicKey>;

    fn broadcast(&mut self, payload: Digest, plan: Self::Plan) -> Feedback {
        self.send(Message::Broadcast { payload, plan })
    }
}

impl Reporter for Mailbox {
    type Activity = Activity<Scheme, Digest>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
        self.send(Message::Report(Box::new(activity)))
    }
}
