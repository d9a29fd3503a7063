require_relative '../lib/bookshelf'

module Bookshelf
  # The schema, in order. Each migration runs in its own transaction with its version recorded in
  # the same transaction, so a failed one leaves nothing behind and the next run tries it again.
  module Migrations
    # pg_advisory_lock key: two deploys (or two hosts) migrating at once take turns.
    LOCK_KEY = 0x626f6f6b73 # "books"

    def self.seed(conn, root)
      Catalog.read_csv(File.join(root, 'data', 'books.csv')).each do |book|
        conn.exec_params(<<~SQL, [book.title, book.author, book.year, Catalog.search_text(book.title, book.author)])
          INSERT INTO books (title, author, year, search_text) VALUES ($1, $2, $3, $4)
          ON CONFLICT (title, author, year) DO NOTHING
        SQL
      end
    end

    ALL = [
      [1, 'books', lambda do |conn, _root|
        conn.exec(<<~SQL)
          CREATE TABLE books (
            id bigserial PRIMARY KEY,
            title text NOT NULL,
            author text NOT NULL,
            year integer NOT NULL,
            -- title and author folded (lower case, no accents) by the app, which searches this column
            search_text text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (title, author, year)
          )
        SQL
      end],
      [2, 'seed the bundled books', ->(conn, root) { seed(conn, root) }],
    ].freeze

    # Applies what is missing; returns [applied, current version].
    def self.run(conn, root)
      conn.exec_params('SELECT pg_advisory_lock($1)', [LOCK_KEY])
      begin
        conn.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())')
        done = conn.exec('SELECT version FROM schema_migrations').map { |row| row['version'].to_i }
        pending = ALL.reject { |version, _, _| done.include?(version) }
        pending.each do |version, name, up|
          conn.transaction do
            up.call(conn, root)
            conn.exec_params('INSERT INTO schema_migrations (version) VALUES ($1)', [version])
          end
        rescue PG::Error => e
          raise PG::Error, "migration #{version} (#{name}): #{e.message.lines.first.to_s.strip}"
        end
        [pending.size, (done + pending.map(&:first)).max]
      ensure
        conn.exec_params('SELECT pg_advisory_unlock($1)', [LOCK_KEY]) unless conn.finished?
      end
    end
  end
end
