# The app against a real PostgreSQL: BOOKSHELF_DATABASE_FILE names its settings (test/roles/app.test.ts
# starts a throwaway cluster with TLS and passes them).
require 'minitest/autorun'
require 'json'
require 'open3'
require 'socket'
require 'tmpdir'
require 'fileutils'
require 'rack/mock'
require_relative '../lib/bookshelf'
require_relative '../db/migrations'

ROOT = File.expand_path('..', __dir__)
DATABASE_FILE = ENV['BOOKSHELF_DATABASE_FILE'].to_s
abort 'test_bookshelf.rb needs BOOKSHELF_DATABASE_FILE (a database.json for a throwaway database; test/roles/app.test.ts makes one)' if DATABASE_FILE.empty?

def migrate
  Open3.capture2e({ 'BOOKSHELF_DATABASE_FILE' => DATABASE_FILE }, 'ruby', File.join(ROOT, 'db', 'migrate.rb'))
end

# Once for the whole run, as a deploy does before the app starts.
output, status = migrate
abort "migrate failed: #{output}" unless status.success?

# Settings like the real ones with one thing changed, in a file of their own.
def settings_file(dir, **changes)
  path = File.join(dir, 'database.json')
  File.write(path, JSON.generate(JSON.parse(File.read(DATABASE_FILE)).merge(changes.transform_keys(&:to_s))))
  path
end

class MigrateTest < Minitest::Test
  def test_a_rerun_applies_nothing_and_says_so
    output, status = migrate
    assert status.success?, output
    assert_equal "applied 0 migration(s), schema at version 2\n", output
  end

  def test_an_unreachable_database_is_one_clear_line_and_a_failure
    Dir.mktmpdir do |dir|
      output, status = Open3.capture2e({ 'BOOKSHELF_DATABASE_FILE' => settings_file(dir, port: 1) }, 'ruby', File.join(ROOT, 'db', 'migrate.rb'))
      refute status.success?
      assert_match(/\Amigrate: .*(refused|could not connect)/, output)
      assert_equal 1, output.lines.size
    end
  end
end

class SettingsTest < Minitest::Test
  def test_the_path_comes_from_the_variable_or_systemd_credentials
    assert_equal '/x/db.json', Bookshelf::Database.config_path('BOOKSHELF_DATABASE_FILE' => '/x/db.json')
    assert_equal '/run/credentials/bookshelf.service/database', Bookshelf::Database.config_path('CREDENTIALS_DIRECTORY' => '/run/credentials/bookshelf.service')
    assert_match(/LoadCredential/, assert_raises(ArgumentError) { Bookshelf::Database.config_path({}) }.message)
  end

  def test_a_broken_file_is_named_and_its_content_is_not_shown
    Dir.mktmpdir do |dir|
      path = File.join(dir, 'database.json')
      File.write(path, '{"password": "s3cret", ')
      error = assert_raises(ArgumentError) { Bookshelf::Database.load_config(path) }
      assert_equal "database settings #{path}: not valid JSON", error.message
      File.write(path, '{"password": "s3cret", "host": "127.0.0.1"}')
      error = assert_raises(ArgumentError) { Bookshelf::Database.load_config(path) }
      assert_equal "database settings #{path}: missing port, dbname, user, sslmode, sslrootcert", error.message
      assert_match(/cannot read/, assert_raises(ArgumentError) { Bookshelf::Database.load_config(File.join(dir, 'none')) }.message)
    end
  end

  def test_the_app_refuses_to_boot_without_settings
    error = assert_raises(ArgumentError) { Bookshelf::App.new(root: ROOT, pool_size: 1, config_path: '/nonexistent/database.json') }
    assert_match(%r{/nonexistent/database.json}, error.message)
  end
end

class CatalogTest < Minitest::Test
  def catalog
    @catalog ||= Bookshelf::Catalog.new(Bookshelf::Database::Pool.new(config_path: DATABASE_FILE, size: 2))
  end

  def teardown
    @catalog&.instance_variable_get(:@pool)&.close
  end

  def test_the_seed_holds_the_bundled_books
    assert_operator catalog.size, :>=, 300
  end

  def test_every_word_must_match_title_or_author
    assert_equal ['Emma'], catalog.search('austen emma').map(&:title)
  end

  def test_case_and_accents_are_ignored
    assert_equal catalog.search('Émile Zola').map(&:title), catalog.search('EMILE zola').map(&:title)
    refute_empty catalog.search('emile zola')
  end

  def test_like_wildcards_are_taken_literally
    assert_empty catalog.search('%')
    assert_empty catalog.search('_')
    book, = catalog.add(title: '100% Pure_Fiction', author: 'Wild Card', year: 2001)
    assert_equal [book.id], catalog.search('100% pure_').map(&:id)
  end

  def test_empty_query_finds_nothing
    assert_empty catalog.search('   ')
  end

  def test_limit_caps_results
    assert_equal 3, catalog.search('dickens', limit: 3).size
  end

  def test_malformed_row_names_file_and_line
    Dir.mktmpdir do |dir|
      path = File.join(dir, 'books.csv')
      File.write(path, "title,author,year\nEmma,Jane Austen,1815\nNo Author,,1900\n")
      error = assert_raises(ArgumentError) { Bookshelf::Catalog.read_csv(path) }
      assert_includes error.message, "#{path}:3"
    end
  end
end

class PoolTest < Minitest::Test
  def test_a_full_pool_makes_the_next_request_wait_about_a_second_then_fail
    pool = Bookshelf::Database::Pool.new(config_path: DATABASE_FILE, size: 2)
    release = Queue.new
    holders = Array.new(2) { Thread.new { pool.with { |_| release.pop } } }
    sleep 0.1 until pool.open_count == 2
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    assert_raises(Bookshelf::Database::Unavailable) { pool.with { |_| flunk 'a third connection' } }
    waited = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
    assert_in_delta 1.0, waited, 0.5
    2.times { release << true }
    holders.each(&:join)
    assert_equal 2, pool.open_count
    pool.close
  end

  def test_a_refused_connect_opens_the_circuit_for_a_second
    Dir.mktmpdir do |dir|
      attempts = 0
      connector = lambda do |config|
        attempts += 1
        PG.connect(Bookshelf::Database.connect_params(config))
      end
      pool = Bookshelf::Database::Pool.new(config_path: settings_file(dir, port: 1), size: 2, connector: connector)
      3.times { assert_raises(Bookshelf::Database::Unavailable) { pool.with { |_| flunk 'connected' } } }
      assert_equal 1, attempts
      sleep 1.1
      assert_raises(Bookshelf::Database::Unavailable) { pool.with { |_| flunk 'connected' } }
      assert_equal 2, attempts
      assert_equal 0, pool.open_count
    end
  end

  def test_a_rejected_password_is_read_again_from_the_file
    Dir.mktmpdir do |dir|
      real = File.read(DATABASE_FILE)
      path = settings_file(dir, password: 'rotated-away')
      pool = Bookshelf::Database::Pool.new(config_path: path, size: 1)
      File.write(path, real) # the rotated secret lands in the file after the app read it
      assert_equal '1', pool.with { |conn| conn.exec('SELECT 1').getvalue(0, 0) }
      pool.close
    end
  end

  def test_the_connection_is_verified_tls
    pool = Bookshelf::Database::Pool.new(config_path: DATABASE_FILE, size: 1)
    assert_equal 't', pool.with { |conn| conn.exec('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()').getvalue(0, 0) }
    pool.close
    Dir.mktmpdir do |dir|
      # the system CAs did not sign the test server's certificate: verify-full refuses it
      bad = Bookshelf::Database::Pool.new(config_path: settings_file(dir, sslrootcert: '/etc/ssl/certs/ca-certificates.crt'), size: 1)
      error = assert_raises(Bookshelf::Database::Unavailable) { bad.with { |_| flunk 'connected' } }
      assert_match(/certificate/, error.message)
    end
  end
end

class AppTest < Minitest::Test
  def app
    @app ||= Bookshelf::App.new(root: ROOT, pool_size: 2, config_path: DATABASE_FILE)
  end

  def get(path)
    Rack::MockRequest.new(app).get(path)
  end

  def post(body, app = self.app)
    Rack::MockRequest.new(app).post('/books', input: body, 'CONTENT_TYPE' => 'application/json')
  end

  def test_search_returns_json_with_host_and_version
    response = get('/search?q=tolstoy')
    body = JSON.parse(response.body)
    assert_equal 200, response.status
    assert_equal Socket.gethostname, body['host']
    assert_equal File.read(File.join(ROOT, 'VERSION')).strip, body['version']
    assert_includes body['results'].map { |b| b['title'] }, 'War and Peace'
    assert_equal Socket.gethostname, response.headers['x-served-by']
  end

  def test_search_without_query_is_a_client_error
    assert_equal 400, get('/search').status
    assert_equal 400, get("/search?q=#{'a' * 201}").status
  end

  def test_health_is_ok_when_a_search_works
    response = get('/health')
    assert_equal 200, response.status
    assert_equal 'ok', JSON.parse(response.body)['status']
  end

  def test_an_unreachable_database_is_a_fast_503_with_retry_after
    Dir.mktmpdir do |dir|
      down = Bookshelf::App.new(root: ROOT, pool_size: 2, config_path: settings_file(dir, port: 1))
      %w[/health /search?q=austen /books/1].each do |path|
        started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
        response = Rack::MockRequest.new(down).get(path)
        assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - started, :<, 1.0
        assert_equal 503, response.status
        assert_equal({ 'error' => 'database unavailable' }, JSON.parse(response.body).slice('error'))
        assert_equal '1', response.headers['retry-after']
        assert_equal Socket.gethostname, response.headers['x-served-by']
      end
      assert_equal 503, post('{"title":"T","author":"A","year":2000}', down).status
    end
  end

  def test_a_new_book_is_created_then_found_by_id_and_by_search
    title = "The Test of #{Process.pid}-#{rand(1 << 30)}"
    response = post(JSON.generate(title: title, author: 'Zoë Tester', year: 2024))
    assert_equal 201, response.status
    created = JSON.parse(response.body)
    assert_equal title, created['title']
    found = get("/books/#{created['id']}")
    assert_equal 200, found.status
    assert_equal({ 'id' => created['id'], 'title' => title, 'author' => 'Zoë Tester', 'year' => 2024 }, JSON.parse(found.body).slice('id', 'title', 'author', 'year'))
    assert_equal [created['id']], JSON.parse(get("/search?q=#{Rack::Utils.escape("zoe #{title}")}").body)['results'].map { |b| b['id'] }
    again = post(JSON.generate(title: title, author: 'Zoë Tester', year: 2024))
    assert_equal [200, created['id']], [again.status, JSON.parse(again.body)['id']]
  end

  def test_a_bad_book_is_a_client_error_naming_the_field
    assert_equal 400, post('not json').status
    assert_equal 400, post('[1, 2]').status
    response = post(JSON.generate(title: ' ', author: 'A', year: '1999'))
    assert_equal 400, response.status
    assert_equal 'title must be a non-empty string; year must be an integer between -3000 and 2100', JSON.parse(response.body)['error']
    assert_equal 400, post(JSON.generate(title: 'x' * 201, author: 'A', year: 1999)).status
  end

  def test_a_body_over_4_kib_is_refused
    assert_equal 413, post(JSON.generate(title: 'x' * 5000, author: 'A', year: 1999)).status
  end

  def test_unknown_books_and_paths
    assert_equal 404, get('/books/999999999999').status
    assert_equal 404, get('/books/abc').status
    assert_equal 404, get('/nope').status
    assert_equal 405, Rack::MockRequest.new(app).post('/search').status
    assert_equal 405, get('/books').status
  end

  def test_index_escapes_the_query
    response = get('/?q=%3Cscript%3E')
    assert_equal 200, response.status
    refute_includes response.body, '<script>'
    assert_includes response.body, '&lt;script&gt;'
  end
end
