//! A database connection whose writes fail.

#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub struct Connection;

impl Connection {
    pub fn execute(&self, sql: &str, params: [i64; 1]) -> Result<usize, Error> {
        Err(Error(format!("{sql} {params:?}")))
    }
}
