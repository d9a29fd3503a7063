# Rack entry point: Puma loads this file in every worker (no preload), so a phased restart picks up new code.
# Each worker has its own connection pool, one connection per Puma thread (puma.rb sets the size).
require_relative 'lib/bookshelf'

# Without puma.rb's setting: 5, Puma's own default for max threads.
run Bookshelf::App.new(root: __dir__, pool_size: Integer(ENV.fetch('BOOKSHELF_POOL_SIZE', '5'), 10))
