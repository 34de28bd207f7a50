//! The demo's people and words: agents, subjects and what customers and agents write.

pub(super) const AGENTS: &[(u64, &str)] = &[
    (235_323, "Priya Raman"),
    (235_324, "Tom Becker"),
    (235_325, "Lucía Fernández"),
    (235_326, "Kwame Mensah"),
    (235_327, "Mei Tanaka"),
    (235_328, "Oskar Nilsson"),
];

pub(super) const SUBJECTS: &[(&str, &[&str])] = &[
    ("Cannot log in to the mobile app", &["mobile", "login"]),
    ("Refund request for my last order", &["billing", "refund"]),
    ("Password reset email never arrives", &["login", "email"]),
    ("How do I export my invoices?", &["billing", "how_to"]),
    ("API returns 500 on /orders", &["api", "bug"]),
    ("Change the shipping address of an order", &["orders"]),
    ("Feature request: dark mode", &["feature_request"]),
    ("Please cancel my subscription", &["billing", "churn_risk"]),
    (
        "Slack integration stopped syncing",
        &["integrations", "bug"],
    ),
    ("Wrong item delivered", &["orders", "returns"]),
    ("Two-factor codes are rejected", &["login", "security"]),
    (
        "Invoice shows the wrong VAT number",
        &["billing", "invoice"],
    ),
];

pub(super) const INCIDENT_SUBJECTS: &[&str] = &[
    "Payment failed at checkout",
    "Card declined but the money was taken",
    "Checkout error 402",
    "Cannot pay for my order",
    "Payment page keeps spinning",
];

pub(super) const CUSTOMER_FIRST: &[&str] = &[
    "Hi, I have been trying this since yesterday and it still does not work. Can you help?",
    "Hello, could you please look into this? Screenshot attached.",
    "This is blocking our whole team, please advise.",
    "Quick question about my account.",
    "I followed the help centre article but it did not help.",
];

pub(super) const INCIDENT_CUSTOMER: &[&str] = &[
    "I tried to pay three times and every time it says payment failed.",
    "My card was charged but the order says unpaid!",
    "Checkout shows error 402 with every card I try.",
    "Is your payment system down? I cannot complete my order.",
];

pub(super) const INCIDENT_AGENT: &[&str] = &[
    "We had a problem with our payment provider. It is fixed now: please try again. Sorry for the trouble!",
    "The checkout issue is resolved; any duplicate charge will be refunded within 3 days.",
];

pub(super) const INCIDENT_REOPEN: &[&str] = &[
    "Still failing for me, same error.",
    "I tried again and it failed again. I was charged twice now.",
    "Not fixed: the payment page still spins forever.",
];

pub(super) const AGENT_ASK: &[&str] = &[
    "Thanks for reaching out! Could you send us the order number and a screenshot of the error?",
    "Could you tell us which browser and app version you are using?",
    "We need a bit more information: when did this start happening?",
];

pub(super) const AGENT_SOLVE: &[&str] = &[
    "This should be sorted now. Let us know if anything else comes up!",
    "I have processed the refund; it will show on your statement in 3-5 business days.",
    "Our engineers deployed a fix. Marking this as solved.",
];

pub(super) const AGENT_NOTES: &[&str] = &[
    "Checked the logs: request id 7f3a... shows a timeout upstream.",
    "Escalating to tier 2, customer is on the enterprise plan.",
    "Known issue, linked to problem ticket.",
];

pub(super) const CUSTOMER_REPLY: &[&str] = &[
    "Order number is 10293847, screenshot attached.",
    "I am on the latest version of the app, on iOS.",
    "It started on Monday after the update.",
];

pub(super) const CUSTOMER_REOPEN: &[&str] = &[
    "Sorry, it is happening again.",
    "The refund has not arrived yet.",
    "That did not fix it, unfortunately.",
];
