# Brings the database schema up to date: `BOOKSHELF_DATABASE_FILE=/etc/bookshelf/database.json ruby db/migrate.rb`.
# Safe to re-run; prints one line, `applied N migration(s), schema at version V` (the app role's
# changed_when reads it); on error, one line naming the problem and a non-zero exit.
require_relative 'migrations'

root = File.expand_path('..', __dir__)
begin
  config = Bookshelf::Database.load_config(Bookshelf::Database.config_path)
  # Seeding may take longer than a request may.
  conn = PG.connect(Bookshelf::Database.connect_params(config, statement_timeout_ms: 0))
  applied, version = Bookshelf::Migrations.run(conn, root)
  conn.close
  puts "applied #{applied} migration(s), schema at version #{version}"
rescue ArgumentError, PG::Error => e
  warn "migrate: #{e.message.lines.first.to_s.strip}"
  exit 1
end
