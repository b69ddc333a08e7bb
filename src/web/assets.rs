//! Built page assets (CSS, JavaScript, images) served under `/assets/`.
