# Rack entry point: Puma loads this file in every worker (no preload), so a phased restart picks up new code.
require_relative 'lib/bookshelf'

run Bookshelf::App.new(root: __dir__)
