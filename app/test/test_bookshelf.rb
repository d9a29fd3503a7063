require 'minitest/autorun'
require 'json'
require 'socket'
require 'tmpdir'
require 'fileutils'
require 'rack/mock'
require_relative '../lib/bookshelf'

class CatalogTest < Minitest::Test
  def catalog
    @catalog ||= Bookshelf::Catalog.load(File.expand_path('../data/books.csv', __dir__))
  end

  def test_bundled_data_holds_a_few_hundred_books
    assert_operator catalog.size, :>=, 300
    assert(catalog.all? { |book| !book.title.empty? && !book.author.empty? })
  end

  def test_every_word_must_match_title_or_author
    titles = catalog.search('austen emma').map(&:title)
    assert_equal ['Emma'], titles
  end

  def test_case_and_accents_are_ignored
    assert_equal catalog.search('Émile Zola').map(&:title), catalog.search('EMILE zola').map(&:title)
    refute_empty catalog.search('emile zola')
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
      error = assert_raises(ArgumentError) { Bookshelf::Catalog.load(path) }
      assert_includes error.message, "#{path}:3"
    end
  end
end

class AppTest < Minitest::Test
  def app
    @app ||= Bookshelf::App.new(root: File.expand_path('..', __dir__))
  end

  def get(path)
    Rack::MockRequest.new(app).get(path)
  end

  def test_search_returns_json_with_host_and_version
    response = get('/search?q=tolstoy')
    body = JSON.parse(response.body)
    assert_equal 200, response.status
    assert_equal Socket.gethostname, body['host']
    assert_equal File.read(File.expand_path('../VERSION', __dir__)).strip, body['version']
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

  def test_health_fails_when_the_catalog_cannot_answer
    Dir.mktmpdir do |dir|
      FileUtils.mkdir_p(File.join(dir, 'data'))
      File.write(File.join(dir, 'data', 'books.csv'), "title,author,year\nEmma,Jane Austen,1815\n")
      File.write(File.join(dir, 'VERSION'), "0.0.1\n")
      response = Rack::MockRequest.new(Bookshelf::App.new(root: dir)).get('/health')
      assert_equal 503, response.status
    end
  end

  def test_index_escapes_the_query
    response = get('/?q=%3Cscript%3E')
    assert_equal 200, response.status
    refute_includes response.body, '<script>'
    assert_includes response.body, '&lt;script&gt;'
  end

  def test_unknown_path_and_method
    assert_equal 404, get('/nope').status
    assert_equal 405, Rack::MockRequest.new(app).post('/search').status
  end
end
