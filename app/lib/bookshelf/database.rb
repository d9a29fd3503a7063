require 'json'
require 'pg'

module Bookshelf
  # Where the catalog lives: PostgreSQL, reached with verified TLS, credentials from a root-only file
  # that systemd hands to the service (LoadCredential), never from the environment or a command line.
  module Database
    # The database cannot answer now; the request gets a fast 503 and the client may retry.
    class Unavailable < StandardError; end

    KEYS = %w[host port dbname user password sslmode sslrootcert].freeze

    # BOOKSHELF_DATABASE_FILE names the file for tools and tests; the service gets systemd's copy.
    def self.config_path(env = ENV)
      return env['BOOKSHELF_DATABASE_FILE'] if env['BOOKSHELF_DATABASE_FILE'] && !env['BOOKSHELF_DATABASE_FILE'].empty?
      return File.join(env['CREDENTIALS_DIRECTORY'], 'database') if env['CREDENTIALS_DIRECTORY']

      raise ArgumentError, 'no database settings: set BOOKSHELF_DATABASE_FILE, or run under systemd with LoadCredential=database:...'
    end

    # The settings, checked: a broken file stops the worker at boot with the file named (never its content).
    def self.load_config(path)
      text = begin
        File.read(path)
      rescue SystemCallError => e
        raise ArgumentError, "database settings #{path}: cannot read (#{e.class.name.split('::').last})"
      end
      config = begin
        JSON.parse(text)
      rescue JSON::ParserError
        raise ArgumentError, "database settings #{path}: not valid JSON"
      end
      raise ArgumentError, "database settings #{path}: not a JSON object" unless config.is_a?(Hash)

      missing = KEYS.reject { |key| config[key].is_a?(String) ? !config[key].empty? : !config[key].nil? }
      raise ArgumentError, "database settings #{path}: missing #{missing.join(', ')}" unless missing.empty?
      raise ArgumentError, "database settings #{path}: port must be a number" unless config['port'].to_s.match?(/\A\d{1,5}\z/)

      config.slice(*KEYS)
    end

    # libpq parameters: a dead server must cost at most connect_timeout, a dead peer is noticed by
    # keepalives, and no statement holds a connection (and a Puma thread) for long.
    def self.connect_params(config, statement_timeout_ms: 3000)
      config.transform_keys(&:to_sym).merge(
        port: config['port'].to_i,
        connect_timeout: 2,
        keepalives: 1, keepalives_idle: 10, keepalives_interval: 2, keepalives_count: 3,
        application_name: 'bookshelf',
        options: "-c statement_timeout=#{statement_timeout_ms} -c client_min_messages=warning"
      )
    end

    # Errors that say the connection or the server is gone (or shutting down, or too slow): the
    # request gets a 503, never a 500.
    UNAVAILABLE = [PG::ConnectionBad, PG::UnableToSend, PG::AdminShutdown, PG::CrashShutdown,
                   PG::CannotConnectNow, PG::QueryCanceled, PG::TooManyConnections].freeze

    # A bounded pool per worker process (one connection per Puma thread at most), with a circuit
    # breaker: after a failed connect every checkout fails at once for `open_for` seconds, so a
    # database that is down costs requests nothing but a fast 503, and the next try after that
    # window finds it back by itself.
    class Pool
      def initialize(config_path:, size:, checkout_timeout: 1.0, open_for: 1.0, connector: nil)
        @config_path = config_path
        @config = Database.load_config(config_path)
        @size = size
        @checkout_timeout = checkout_timeout
        @open_for = open_for
        @connector = connector || ->(config) { PG.connect(Database.connect_params(config)) }
        @mutex = Mutex.new
        @available = ConditionVariable.new
        @idle = []
        @open = 0
        @closed_until = nil
      end

      # Yields a connection. `retry_stale: true` (reads only) retries once on a fresh connection when
      # a reused one turns out dead (a restarted server): writes never run twice.
      def with(retry_stale: false)
        conn, reused = checkout
        begin
          result = yield conn
        rescue PG::Error => e
          broken = conn.finished? || conn.status != PG::CONNECTION_OK || conn.transaction_status != PG::PQTRANS_IDLE
          broken ? discard(conn) : checkin(conn)
          raise e unless broken || UNAVAILABLE.any? { |type| e.is_a?(type) }

          if broken && reused
            drop_idle
            return with(retry_stale: false) { |fresh| yield fresh } if retry_stale
          end
          raise Unavailable, e.message.lines.first.to_s.strip
        rescue StandardError
          discard(conn)
          raise
        end
        checkin(conn)
        result
      end

      # Open connections (idle and in use): never more than `size`.
      def open_count
        @mutex.synchronize { @open }
      end

      def close
        @mutex.synchronize do
          @idle.each(&:close)
          @open -= @idle.size
          @idle.clear
        end
      end

      private

      def now
        Process.clock_gettime(Process::CLOCK_MONOTONIC)
      end

      def checkout
        deadline = now + @checkout_timeout
        @mutex.synchronize do
          loop do
            raise Unavailable, 'database unreachable (retrying shortly)' if @closed_until && now < @closed_until
            return [@idle.pop, true] unless @idle.empty?

            if @open < @size
              @open += 1
              break
            end
            remaining = deadline - now
            raise Unavailable, 'every database connection is busy' if remaining <= 0

            @available.wait(@mutex, remaining)
          end
        end
        [connect, false]
      end

      # A rejected password is re-read from the file once: a rotated secret lands there first.
      def connect
        conn = begin
          @connector.call(@config)
        rescue PG::ConnectionBad => e
          raise e unless e.message.include?('password authentication failed')

          @config = Database.load_config(@config_path)
          @connector.call(@config)
        end
        @mutex.synchronize { @closed_until = nil }
        conn
      rescue PG::Error, ArgumentError => e
        reason = e.message.lines.first.to_s.strip
        @mutex.synchronize do
          @open -= 1
          @closed_until = now + @open_for
          @available.signal
        end
        # At most once a second per worker (the circuit holds the rest): the journal says why the 503s.
        warn "bookshelf: database unreachable, answering 503 for #{@open_for} s: #{reason}"
        raise Unavailable, reason
      end

      def checkin(conn)
        @mutex.synchronize do
          @idle.push(conn)
          @available.signal
        end
      end

      def discard(conn)
        conn.close unless conn.finished?
        @mutex.synchronize do
          @open -= 1
          @available.signal
        end
      end

      # One dead connection after a restart means they all are.
      def drop_idle
        stale = @mutex.synchronize do
          dropped = @idle.dup
          @idle.clear
          @open -= dropped.size
          @available.broadcast
          dropped
        end
        stale.each { |conn| conn.close unless conn.finished? }
      end
    end
  end
end
